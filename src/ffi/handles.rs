//! Job handles are registry keys, not raw pointers: a stale, forged or doubly-freed handle is found missing
//! instead of being dereferenced (the approach of Mozilla's ffi-support HandleMap).

use crate::jobs::Job;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

pub struct JobRegistry {
    jobs: Mutex<HashMap<usize, Arc<Job>>>,
    next: AtomicUsize,
}

/// Handles are multiples of 16 starting well above 0, so they look like aligned pointers to C hosts and the
/// NULL handle never matches.
const HANDLE_STRIDE: usize = 16;

impl JobRegistry {
    pub fn global() -> &'static JobRegistry {
        static REGISTRY: OnceLock<JobRegistry> = OnceLock::new();
        REGISTRY.get_or_init(|| JobRegistry {
            jobs: Mutex::new(HashMap::new()),
            next: AtomicUsize::new(1),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<usize, Arc<Job>>> {
        self.jobs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn insert(&self, job: Job) -> usize {
        let handle = (self.next.fetch_add(1, Ordering::Relaxed) + 0x1000) * HANDLE_STRIDE;
        self.lock().insert(handle, Arc::new(job));
        handle
    }

    pub fn get(&self, handle: usize) -> Option<Arc<Job>> {
        self.lock().get(&handle).cloned()
    }

    pub fn remove(&self, handle: usize) -> Option<Arc<Job>> {
        self.lock().remove(&handle)
    }
}
