use guard_across_await::add_in_tasks;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_task_adds_one() {
    assert_eq!(add_in_tasks(100).await, 100);
}
