//! A real service for the client's tests, started in this process on port 0 with the system
//! clock, with development keys for the statements a test needs at capacity 16.
#![allow(dead_code, missing_docs, unreachable_pub)]

use std::path::Path;

use probity_core::{Capacity, StatementKind};

/// The service on a folder, with `registrar` as its registrar, on a thread of its own; it
/// stops when dropped.
pub struct Server {
    pub base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Makes dev keys for `statements` at capacity 16 in `dir/params`, and starts the service
    /// on `dir`.
    pub fn start(
        dir: &Path,
        registrar: &ed25519_dalek::VerifyingKey,
        statements: &[StatementKind],
    ) -> Self {
        probity_params::setup_dev(
            &dir.join("params"),
            statements,
            &[Capacity::C16],
            &mut rand::rngs::OsRng,
            |_| {},
        )
        .expect("dev params");
        let config = probity_service::Config {
            data_dir: dir.to_owned(),
            capacities: vec![16],
            registrar_key: Some(hex::encode(registrar.as_bytes())),
            tip_batch_secs: 0,
            ..probity_service::Config::default()
        };
        let service = probity_service::Service::open(config, probity_service::system_clock())
            .expect("the service opens");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                addr_tx
                    .send(listener.local_addr().expect("addr"))
                    .expect("send");
                probity_service::serve(service, listener, async {
                    let _ = stopped.await;
                })
                .await
                .expect("serve");
            });
        });
        let addr = addr_rx.recv().expect("the server listens");
        Self {
            base: format!("http://{addr}"),
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
