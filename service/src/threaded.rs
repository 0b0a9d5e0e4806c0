//! A service running on a thread of its own, for programs that embed one: the demo, and
//! tests that drive a real service over HTTP from blocking code.
//!
//! It listens on `127.0.0.1` with a port the system chooses, so many can run side by side.
//! Stopping it (or dropping it) is [`serve`](crate::serve)'s graceful shutdown: every
//! acknowledged write is finished and the database flushed before [`Background::stop`]
//! returns.

use std::{net::SocketAddr, sync::mpsc, thread::JoinHandle};

use crate::Service;

/// A service served on its own thread until stopped or dropped.
#[derive(Debug)]
pub struct Background {
    addr: SocketAddr,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<std::io::Result<()>>>,
}

impl Background {
    /// Serves `service` on `127.0.0.1:0` from a new thread with a two-worker runtime; returns
    /// once it listens.
    pub fn start(service: Service) -> std::io::Result<Self> {
        let (stop, stopped) = mpsc::channel::<()>();
        let (addr_tx, addr_rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("probity-service".into())
            .spawn(move || -> std::io::Result<()> {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()?;
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
                        Ok(listener) => listener,
                        Err(e) => {
                            let _ = addr_tx.send(Err(e.kind()));
                            return Err(e);
                        }
                    };
                    let _ = addr_tx.send(listener.local_addr().map_err(|e| e.kind()));
                    // Stops when told to, or when the handle is dropped (the sender with it).
                    let shutdown = async move {
                        let _ = tokio::task::spawn_blocking(move || stopped.recv()).await;
                    };
                    crate::serve(service, listener, shutdown).await
                })
            })?;
        let addr = match addr_rx.recv() {
            Ok(Ok(addr)) => addr,
            Ok(Err(kind)) => {
                let _ = thread.join();
                return Err(std::io::Error::new(
                    kind,
                    "cannot listen on 127.0.0.1 for the service",
                ));
            }
            Err(_) => {
                return Err(match thread.join() {
                    Ok(Err(e)) => e,
                    _ => std::io::Error::other("the service thread stopped before listening"),
                })
            }
        };
        Ok(Self {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL, `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops taking requests, finishes every acknowledged write and flushes the database.
    pub fn stop(mut self) -> std::io::Result<()> {
        self.halt()
    }

    fn halt(&mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(std::io::Error::other("the service thread panicked")),
            None => Ok(()),
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.halt();
    }
}
