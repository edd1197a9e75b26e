use tokio::sync::mpsc;

/// The sum of the squares of `per_producer` numbers from each of `producers` tasks.
pub async fn sum_of_squares(producers: u64, per_producer: u64) -> u64 {
    let (tx, mut rx) = mpsc::channel::<u64>(4);
    for p in 0..producers {
        let tx = tx.clone();
        tokio::spawn(async move {
            for i in 0..per_producer {
                tx.send(p * per_producer + i).await.unwrap();
            }
        });
    }
    let mut sum = 0;
    while let Some(n) = rx.recv().await {
        sum += n * n;
    }
    sum
}
