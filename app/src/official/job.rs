//! A filing run off the server's threads, and the steps it reports while it runs (the
//! proving keys downloaded, each proof, the filing sent, its receipts checked). One filing
//! at a time per session; the page that shows it reloads itself each second (a
//! `<meta http-equiv="refresh">`, no script) until the outcome is in.
//!
//! What a job holds is what its page shows: the steps and the outcome (the receipts, or the
//! plan with its declaration, held in this process's memory like the passphrase). The
//! session drops a job that is over when it locks; one that runs is kept, so that no second
//! one starts beside it, and its page shows again once the session is unlocked.

use std::sync::{Arc, Mutex, MutexGuard};

use maud::{html, Markup};
use probity_client::{Progress, Task};
use probity_web::Lang;

use crate::text::{fill, T};

/// One step of a filing, as reported.
#[derive(Clone, Copy)]
pub(super) struct Step {
    task: Task,
    total: Option<u64>,
    done: u64,
    finished: bool,
}

/// A filing under way, or over, with what its page needs to show.
pub(super) struct Job<O> {
    state: Mutex<JobState<O>>,
}

struct JobState<O> {
    steps: Vec<Step>,
    outcome: Option<O>,
}

impl<O> Job<O> {
    pub(super) fn new() -> Arc<Self> {
        Arc::new(Job {
            state: Mutex::new(JobState {
                steps: Vec::new(),
                outcome: None,
            }),
        })
    }

    fn state(&self) -> MutexGuard<'_, JobState<O>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The job is over, with `outcome`.
    pub(super) fn end(&self, outcome: O) {
        self.state().outcome = Some(outcome);
    }

    /// Whether the outcome is in.
    pub(super) fn is_over(&self) -> bool {
        self.state().outcome.is_some()
    }

    /// The steps so far and the outcome, if it is in, for a page to show.
    pub(super) fn show<R>(&self, f: impl FnOnce(&[Step], Option<&O>) -> R) -> R {
        let state = self.state();
        f(&state.steps, state.outcome.as_ref())
    }
}

/// The library reports to the job: each task a step, finished in turn.
impl<O> Progress for Job<O> {
    fn start(&self, task: Task, total: Option<u64>) {
        self.state().steps.push(Step {
            task,
            total,
            done: 0,
            finished: false,
        });
    }

    fn advance(&self, n: u64) {
        if let Some(step) = self.state().steps.last_mut() {
            step.done = step.done.saturating_add(n);
        }
    }

    fn finish(&self) {
        if let Some(step) = self.state().steps.last_mut() {
            step.finished = true;
        }
    }
}

/// The steps as a list: each in the page's words, done (✓) or under way (with its share
/// done, when its size is known). An empty list says the filing is being prepared.
pub(super) fn steps_markup(lang: Lang, steps: &[Step], over: bool) -> Markup {
    html! {
        ol #steps.steps {
            @if steps.is_empty() && !over { li.running { (T::OfStepPreparing.get(lang)) } }
            @for step in steps {
                @if step.finished {
                    li.ok { (step_words(lang, step.task)) " ✓" }
                } @else if over {
                    li.bad { (step_words(lang, step.task)) " ✗" }
                } @else {
                    li.running { (step_words(lang, step.task)) " …" (share(step)) }
                }
            }
        }
    }
}

/// " 42 %" of a step whose size is known.
fn share(step: &Step) -> String {
    match step.total {
        Some(total) if total > 0 => {
            let percent = u128::from(step.done.min(total)) * 100 / u128::from(total);
            format!(" {percent} %")
        }
        _ => String::new(),
    }
}

fn step_words(lang: Lang, task: Task) -> String {
    match task {
        Task::DownloadKey {
            statement,
            capacity,
        } => fill(
            lang,
            T::OfStepDownload,
            &[&statement.to_string(), &capacity.to_string()],
        ),
        Task::Prove(statement) => fill(lang, T::OfStepProve, &[&statement.to_string()]),
        Task::ReadLog => T::OfStepReadLog.get(lang).to_owned(),
        Task::SendFiling => T::OfStepSend.get(lang).to_owned(),
        Task::CheckReceipts => T::OfStepReceipts.get(lang).to_owned(),
        // A task the library adds later is still shown, in its own (English) words.
        _ => task.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use probity_core::{Capacity, StatementKind};

    #[test]
    fn each_task_is_a_step_and_the_last_one_advances_and_finishes() {
        let job: Arc<Job<()>> = Job::new();
        let capacity = Capacity::new(16).expect("capacity");
        let download = Task::DownloadKey {
            statement: StatementKind::NetWorthRange,
            capacity,
        };
        job.start(download, Some(200));
        job.advance(50);
        let page = job.show(|steps, _| steps_markup(Lang::En, steps, false).into_string());
        assert!(
            page.contains("net_worth_range") && page.contains(" 25 %"),
            "{page}"
        );
        job.finish();
        job.start(Task::Prove(StatementKind::NetWorthRange), None);
        let page = job.show(|steps, _| steps_markup(Lang::ZhCn, steps, false).into_string());
        assert_eq!(page.matches('✓').count(), 1, "{page}");
        assert!(page.contains("class=\"running\""), "{page}");
        assert!(!job.is_over());
        job.end(());
        let page =
            job.show(|steps, over| steps_markup(Lang::En, steps, over.is_some()).into_string());
        assert!(
            page.contains('✗'),
            "a step cut short shows as failed: {page}"
        );
        assert!(job.is_over());
    }
}
