//! One queue test suite, run against both backends: the real Redis at
//! 127.0.0.1:6379 and the real RabbitMQ at 127.0.0.1:5672 (scripts/test
//! starts them; MEDSEC_TEST_REDIS_URL and MEDSEC_TEST_AMQP_URL override).
//! Every test uses its own name prefix, so they run in parallel.

mod behaviours;
mod fixture;

use fixture::Kind;

/// `backend_tests!(behaviour, ...)` makes `redis::behaviour` and
/// `rabbitmq::behaviour` tests.
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    crate::behaviours::$name(crate::Kind::Redis).await;
                }
            )*
        }
        mod rabbitmq {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    crate::behaviours::$name(crate::Kind::RabbitMq).await;
                }
            )*
        }
    };
}

backend_tests!(
    enqueue_reserve_ack,
    reclaimed_after_visibility_timeout,
    extend_prevents_reclaim,
    retries_with_backoff_then_dead_letter,
    depth_bound_gives_full,
    stats_count_what_was_done,
    stats_ages_follow_the_oldest_job,
    requeue_and_purge_dead_letters,
    release_hands_back_without_counting,
    never_acknowledged_ends_dead,
    undecodable_entry_is_dead_lettered,
);
