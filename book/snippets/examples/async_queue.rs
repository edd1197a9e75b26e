//! asyncio.Queue as a bounded tokio channel: the queue ends when its senders are gone.
use tokio::sync::mpsc;

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let sum = runtime.block_on(async {
        let (tx, mut rx) = mpsc::channel::<u64>(4); // put() waits while 4 items wait.
        for p in 0..2u64 {
            let tx = tx.clone();
            tokio::spawn(async move {
                for i in 0..10 {
                    tx.send(p * 10 + i).await.unwrap();
                }
            });
        }
        drop(tx);
        let mut sum = 0;
        // `recv` returns None once every sender is dropped and the channel is empty.
        while let Some(n) = rx.recv().await {
            sum += n * n;
        }
        sum
    });
    println!("sum: {sum}");
    assert_eq!(sum, 2470);
}
