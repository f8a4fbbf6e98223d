//! A RabbitMQ delivery held by this process, and the timer that hands it
//! back when the visibility timeout passes unextended.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use lapin::options::BasicNackOptions;
use lapin::Acker;
use tokio::time::Instant;

/// Reservations this process holds, by (kind, consumer).
#[derive(Default)]
pub(crate) struct Outstanding(Mutex<HashMap<(String, String), u64>>);

impl Outstanding {
    fn lock(&self) -> MutexGuard<'_, HashMap<(String, String), u64>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn add(&self, kind: &str, consumer: &str) {
        *self
            .lock()
            .entry((kind.to_owned(), consumer.to_owned()))
            .or_default() += 1;
    }

    fn remove(&self, kind: &str, consumer: &str) {
        if let Some(n) = self.lock().get_mut(&(kind.to_owned(), consumer.to_owned())) {
            *n = n.saturating_sub(1);
        }
    }

    /// (consumer, reservations held) of one kind, by name.
    pub(crate) fn of_kind(&self, kind: &str) -> Vec<(String, u64)> {
        let mut held: Vec<(String, u64)> = self
            .lock()
            .iter()
            .filter(|((k, _), _)| k == kind)
            .map(|((_, c), n)| (c.clone(), *n))
            .collect();
        held.sort();
        held
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
        visibility_timeout: Duration,
        outstanding: Arc<Outstanding>,
    ) -> Arc<Reservation> {
        outstanding.add(kind, consumer);
        let reservation = Arc::new(Reservation {
            kind: kind.to_owned(),
            consumer: consumer.to_owned(),
            acker,
            delivery_tag,
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
        self.outstanding.remove(&self.kind, &self.consumer);
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
