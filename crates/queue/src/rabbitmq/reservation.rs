//! A RabbitMQ delivery held by this process, and the timer that hands it
//! back when the visibility timeout passes unextended.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use lapin::options::BasicNackOptions;
use lapin::Acker;
use tokio::time::Instant;

/// Reservations this process holds, by (kind, consumer).
#[derive(Default)]
pub(crate) struct Outstanding {
    consumers: Mutex<HashMap<(String, String), Held>>,
    next_serial: AtomicU64,
}

/// One consumer's reservations in this process.
struct Held {
    /// Entry time (Unix ms) of each held job by reservation serial; `None`
    /// for a message published without one.
    entered_at_ms: HashMap<u64, Option<i64>>,
    /// The consumer's last read, extension or settlement.
    last_active: Instant,
}

/// What this process knows of one consumer.
pub(crate) struct HeldBy {
    pub consumer: String,
    pub pending: u64,
    pub idle: Duration,
    /// Entry times of the jobs it holds.
    pub entered_at_ms: Vec<Option<i64>>,
}

impl Outstanding {
    fn lock(&self) -> MutexGuard<'_, HashMap<(String, String), Held>> {
        self.consumers.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn held<'a>(
        map: &'a mut HashMap<(String, String), Held>,
        kind: &str,
        consumer: &str,
    ) -> &'a mut Held {
        map.entry((kind.to_owned(), consumer.to_owned()))
            .or_insert_with(|| Held {
                entered_at_ms: HashMap::new(),
                last_active: Instant::now(),
            })
    }

    /// The consumer read, extended or settled just now.
    pub(crate) fn touch(&self, kind: &str, consumer: &str) {
        Self::held(&mut self.lock(), kind, consumer).last_active = Instant::now();
    }

    fn add(&self, kind: &str, consumer: &str, entered_at_ms: Option<i64>) -> u64 {
        let serial = self.next_serial.fetch_add(1, Ordering::Relaxed);
        let mut map = self.lock();
        let held = Self::held(&mut map, kind, consumer);
        held.entered_at_ms.insert(serial, entered_at_ms);
        held.last_active = Instant::now();
        serial
    }

    fn remove(&self, kind: &str, consumer: &str, serial: u64) {
        if let Some(held) = self.lock().get_mut(&(kind.to_owned(), consumer.to_owned())) {
            held.entered_at_ms.remove(&serial);
        }
    }

    /// Every consumer of the kind this process has run, by name.
    pub(crate) fn of_kind(&self, kind: &str) -> Vec<HeldBy> {
        let now = Instant::now();
        let mut all: Vec<HeldBy> = self
            .lock()
            .iter()
            .filter(|((k, _), _)| k == kind)
            .map(|((_, consumer), held)| HeldBy {
                consumer: consumer.clone(),
                pending: held.entered_at_ms.len() as u64,
                idle: now.saturating_duration_since(held.last_active),
                entered_at_ms: held.entered_at_ms.values().copied().collect(),
            })
            .collect();
        all.sort_by(|a, b| a.consumer.cmp(&b.consumer));
        all
    }
}

struct State {
    deadline: Instant,
    settled: bool,
}

/// One delivery's reservation: its acker, its consumer and its deadline.
pub struct Reservation {
    kind: String,
    consumer: String,
    acker: Acker,
    delivery_tag: u64,
    /// This reservation's key in [`Outstanding`].
    serial: u64,
    visibility_timeout: Duration,
    state: Mutex<State>,
    outstanding: Arc<Outstanding>,
}

impl Reservation {
    /// Registers the reservation and starts its visibility timer.
    pub(crate) fn start(
        kind: &str,
        consumer: &str,
        acker: Acker,
        delivery_tag: u64,
        entered_at_ms: Option<i64>,
        visibility_timeout: Duration,
        outstanding: Arc<Outstanding>,
    ) -> Arc<Reservation> {
        let serial = outstanding.add(kind, consumer, entered_at_ms);
        let reservation = Arc::new(Reservation {
            kind: kind.to_owned(),
            consumer: consumer.to_owned(),
            acker,
            delivery_tag,
            serial,
            visibility_timeout,
            state: Mutex::new(State {
                deadline: Instant::now() + visibility_timeout,
                settled: false,
            }),
            outstanding,
        });
        tokio::spawn(Arc::clone(&reservation).expire());
        reservation
    }

    pub(crate) fn consumer(&self) -> &str {
        &self.consumer
    }

    pub(crate) fn delivery_tag(&self) -> u64 {
        self.delivery_tag
    }

    pub(crate) fn acker(&self) -> &Acker {
        &self.acker
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes the reservation for settling (ack, retry, ...). False when it
    /// was already settled or expired: the message is no longer ours.
    pub(crate) fn take(&self) -> bool {
        let mut state = self.state();
        if state.settled {
            return false;
        }
        state.settled = true;
        drop(state);
        self.outstanding
            .remove(&self.kind, &self.consumer, self.serial);
        true
    }

    /// Pushes the deadline one visibility timeout from now. False when the
    /// reservation is no longer held.
    pub(crate) fn extend(&self) -> bool {
        let mut state = self.state();
        if state.settled {
            return false;
        }
        state.deadline = Instant::now() + self.visibility_timeout;
        true
    }

    /// Waits for the deadline (following extensions); if the reservation
    /// is still held then, returns the message to its queue with
    /// basic.nack(requeue), which counts a delivery (x-delivery-count).
    async fn expire(self: Arc<Self>) {
        loop {
            let deadline = {
                let state = self.state();
                if state.settled {
                    return;
                }
                state.deadline
            };
            tokio::time::sleep_until(deadline).await;
            let expired = {
                let state = self.state();
                !state.settled && Instant::now() >= state.deadline
            };
            if expired && self.take() {
                let requeue = BasicNackOptions {
                    requeue: true,
                    multiple: false,
                };
                if let Err(error) = self.acker.nack(requeue).await {
                    tracing::warn!(kind = %self.kind, consumer = %self.consumer, %error,
                        "could not hand back an expired reservation; the broker redelivers it when the channel closes");
                }
                return;
            }
        }
    }
}
