//! Terminating signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT). Before writing starts nothing is on
//! disk, so leave at once with 128+signal (showing the cursor a prompt may have hidden). From
//! then on, only note the signal: the writer checks between steps and undoes everything, so an
//! interrupted run leaves nothing behind either.

use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, Ordering};

use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use signal_hook::iterator::Signals;

/// Whether writing has begun. A mutex, not a flag: the handler exits while holding it, so
/// [`begin_writing`] cannot start a write that the exit would then leave half done.
static WRITING: Mutex<bool> = Mutex::new(false);
/// The signal noted while writing, 0 if none.
static REQUESTED: AtomicI32 = AtomicI32::new(0);

/// The signals handled: every one that by default ends a process and can be caught, bar
/// those only sent for a fault (SIGSEGV ...) or by a timer.
pub const TERMINATING: [i32; 4] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT];

pub fn install() {
    // Fails only if the signal thread cannot start; then the default actions stay.
    let Ok(mut signals) = Signals::new(TERMINATING) else {
        return;
    };
    std::thread::spawn(move || {
        for signal in signals.forever() {
            let writing = WRITING.lock().unwrap_or_else(|e| e.into_inner());
            if *writing {
                REQUESTED.store(signal, Ordering::SeqCst);
            } else {
                let term = console::Term::stderr();
                let _ = term.show_cursor();
                let _ = term.write_line("");
                std::process::exit(128 + signal);
            }
        }
    });
}

/// From now on a signal is noted for [`requested`] instead of exiting.
pub fn begin_writing() {
    *WRITING.lock().unwrap_or_else(|e| e.into_inner()) = true;
}

/// The terminating signal received while writing, if any.
pub fn requested() -> Option<i32> {
    match REQUESTED.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// The signal's usual name, for messages.
pub fn name(signal: i32) -> &'static str {
    match signal {
        SIGINT => "SIGINT (Ctrl-C)",
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        SIGQUIT => "SIGQUIT",
        _ => "a signal",
    }
}
