use std::thread;

pub fn greet(name: &str) -> String {
    format!("Hello, {name}!")
}

/// One thread per name, each greeting its own; the greetings in the order of `names`.
pub fn greet_all(names: Vec<String>) -> Vec<String> {
    let mut handles = Vec::new();
    for name in names {
        // `move`: the thread owns `name` and may live as long as it likes.
        handles.push(thread::spawn(move || greet(&name)));
    }
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}
