//! The one busy-machine rule of both compare programs.
//!
//! Speed verdicts are only as good as the machine was quiet. While a language measures, a
//! [`Window`] watches two counters: how much CPU time the kernel says was spent on the CPUs this
//! run may use (`/proc/stat`: everything but idle and iowait, including time stolen by a
//! hypervisor), and how much of it was our own (this process and the children it has reaped:
//! `getrusage`). The rest was taken by other programs.
//!
//! **The rule:** the machine was busy when other programs took more than [`FOREIGN_LIMIT`] of the
//! CPU time these CPUs had (wall time × CPUs). Then every speed verdict of that language is
//! `cannot tell`. It applies the same way to a run pinned to one CPU (`--cpus 1`): only that CPU
//! is watched.
//!
//! Children still alive when the window closes are not in `getrusage`: a helper that works for
//! the measurement (the local web server of `when-to-use`, which answers thousands of requests)
//! is named to [`Window::open_with_helpers`], and its CPU time (`/proc/<pid>/stat`) counts as
//! ours. Others (a fork server) use little beside the limit.

use std::time::Instant;

use anyhow::{Context, Result};
use nix::sched::{CpuSet, sched_getaffinity};
use nix::sys::resource::{Usage, UsageWho, getrusage};
use nix::unistd::Pid;

use crate::record::Record;

/// The share of the watched CPUs' time that other programs may take before a run counts as busy.
pub const FOREIGN_LIMIT: f64 = 0.10;

/// What a window saw: the inputs of the busy-machine rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Load {
    /// Seconds the window was open.
    pub wall: f64,
    /// CPU-seconds spent on the watched CPUs, by anyone.
    pub busy: f64,
    /// CPU-seconds spent by us (this process and its reaped children).
    pub own: f64,
    /// How many CPUs were watched (those this run may use).
    pub cpus: f64,
}

impl Load {
    /// The share of the watched CPUs' time that other programs took (0 when ours covers it all).
    pub fn foreign_share(&self) -> f64 {
        let capacity = self.wall * self.cpus;
        if capacity <= 0.0 {
            return 0.0;
        }
        ((self.busy - self.own) / capacity).max(0.0)
    }

    /// The rule: other programs took more than [`FOREIGN_LIMIT`] of the watched CPUs' time.
    pub fn is_busy(&self) -> bool {
        self.foreign_share() > FOREIGN_LIMIT
    }

    /// Stores the inputs in `record` under `load.*`.
    pub fn record(&self, record: &mut Record) {
        record.add("load.wall_s", self.wall);
        record.add("load.busy_s", self.busy);
        record.add("load.own_s", self.own);
        record.add("load.cpus", self.cpus);
    }

    /// The load a record holds, if it holds one.
    pub fn from_record(record: &Record) -> Option<Load> {
        Some(Load {
            wall: record.median("load.wall_s")?,
            busy: record.median("load.busy_s")?,
            own: record.median("load.own_s")?,
            cpus: record.median("load.cpus")?,
        })
    }

    /// One sentence on the rule's inputs and outcome, e.g. `other programs took 3.0% of 2 CPUs'
    /// time over 12.1 s (limit 10%): quiet`. The share has a decimal, so that a share just over
    /// the limit (10.5%) never reads as the limit itself.
    pub fn describe(&self) -> String {
        format!(
            "other programs took {:.1}% of {} CPU{} time over {:.1} s (limit {:.0}%): {}",
            self.foreign_share() * 100.0,
            self.cpus,
            if self.cpus == 1.0 { "'s" } else { "s'" },
            self.wall,
            FOREIGN_LIMIT * 100.0,
            if self.is_busy() { "busy" } else { "quiet" }
        )
    }
}

/// Watches the CPUs this process may use from [`Window::open`] to [`Window::close`].
pub struct Window {
    started: Instant,
    cpus: Vec<usize>,
    busy: f64,
    own: f64,
    helpers: Vec<i32>,
}

impl Window {
    /// Starts watching the CPUs in this process's affinity mask.
    pub fn open() -> Result<Window> {
        Window::open_with_helpers(&[])
    }

    /// Starts watching, and counts the CPU time of `helpers` (live child processes that work for
    /// the measurement) as ours.
    pub fn open_with_helpers(helpers: &[i32]) -> Result<Window> {
        let allowed = sched_getaffinity(Pid::from_raw(0)).context("reading the CPU affinity")?;
        let cpus: Vec<usize> = (0..CpuSet::count())
            .filter(|&c| allowed.is_set(c).unwrap_or(false))
            .collect();
        Ok(Window {
            busy: busy_seconds(&cpus)?,
            own: own_seconds()? + helpers_seconds(helpers)?,
            started: Instant::now(),
            cpus,
            helpers: helpers.to_vec(),
        })
    }

    /// What the machine did since [`Window::open`].
    pub fn close(self) -> Result<Load> {
        let wall = self.started.elapsed().as_secs_f64();
        Ok(Load {
            wall,
            busy: busy_seconds(&self.cpus)? - self.busy,
            own: own_seconds()? + helpers_seconds(&self.helpers)? - self.own,
            cpus: self.cpus.len() as f64,
        })
    }
}

/// CPU-seconds spent on `cpus` since boot: every `/proc/stat` column but idle and iowait.
fn busy_seconds(cpus: &[usize]) -> Result<f64> {
    let stat = std::fs::read_to_string("/proc/stat").context("reading /proc/stat")?;
    let ticks = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .unwrap_or(100) as f64;
    let mut total = 0u64;
    for line in stat.lines() {
        let mut fields = line.split_whitespace();
        let Some(cpu) = fields.next().and_then(|f| f.strip_prefix("cpu")) else {
            continue;
        };
        if !cpu.parse().is_ok_and(|n: usize| cpus.contains(&n)) {
            continue;
        }
        // user nice system idle iowait irq softirq steal (guest time is already in user).
        let columns: Vec<u64> = fields.take(8).filter_map(|f| f.parse().ok()).collect();
        if columns.len() == 8 {
            total += columns.iter().sum::<u64>() - columns[3] - columns[4];
        }
    }
    Ok(total as f64 / ticks)
}

/// CPU-seconds used by this process and by the children it has reaped.
fn own_seconds() -> Result<f64> {
    let seconds = |u: Usage| {
        let (user, system) = (u.user_time(), u.system_time());
        user.tv_sec() as f64
            + user.tv_usec() as f64 / 1e6
            + system.tv_sec() as f64
            + system.tv_usec() as f64 / 1e6
    };
    let me = getrusage(UsageWho::RUSAGE_SELF).context("getrusage")?;
    let children = getrusage(UsageWho::RUSAGE_CHILDREN).context("getrusage")?;
    Ok(seconds(me) + seconds(children))
}

/// CPU-seconds used so far by the live processes `pids` (every thread of each: `utime` and
/// `stime` of `/proc/<pid>/stat`).
fn helpers_seconds(pids: &[i32]) -> Result<f64> {
    let ticks = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .unwrap_or(100) as f64;
    let mut total = 0.0;
    for pid in pids {
        let path = format!("/proc/{pid}/stat");
        let stat = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        // The command name may hold spaces and parentheses: the fields start after the last `)`.
        let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after.split_whitespace().collect();
        // Field 3 of the file (state) is fields[0]: utime is field 14, stime field 15.
        let (utime, stime) = (fields.get(11), fields.get(12));
        let parse = |f: Option<&&str>| f.and_then(|f| f.parse::<u64>().ok());
        let (Some(utime), Some(stime)) = (parse(utime), parse(stime)) else {
            anyhow::bail!("{path}: no utime and stime");
        };
        total += (utime + stime) as f64 / ticks;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(busy: f64, own: f64) -> Load {
        Load {
            wall: 10.0,
            busy,
            own,
            cpus: 2.0,
        }
    }

    #[test]
    fn the_rule_counts_only_what_others_took() {
        assert!(!load(20.0, 19.0).is_busy(), "5% taken by others is quiet");
        assert!(load(20.0, 10.0).is_busy(), "50% taken by others is busy");
        assert!(
            !load(5.0, 6.0).is_busy(),
            "noise never makes a negative share"
        );
        assert_eq!(load(20.0, 16.0).foreign_share(), 0.2);
        assert!(
            load(20.0, 16.0)
                .describe()
                .contains("20.0% of 2 CPUs' time")
        );
        // Just over the limit: the share must not read as the limit itself.
        let over = load(20.0, 17.9).describe();
        assert!(over.contains("10.5%") && over.ends_with("busy"), "{over}");
        let mut r = Record::default();
        load(3.0, 1.0).record(&mut r);
        assert_eq!(Load::from_record(&r), Some(load(3.0, 1.0)));
    }

    #[test]
    fn a_helpers_work_counts_as_ours() {
        // A child that spins for 0.2 s of CPU, named as a helper: its time is ours.
        let mut child = std::process::Command::new("sh")
            .args(["-c", "while :; do :; done"])
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        let window = Window::open_with_helpers(&[pid]).unwrap();
        let start = helpers_seconds(&[pid]).unwrap();
        while helpers_seconds(&[pid]).unwrap() - start < 0.2 {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let with = window.close().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(
            with.own >= 0.2,
            "the helper's 0.2 s counts as ours: {with:?}"
        );
    }

    #[test]
    fn a_window_sees_our_own_work() {
        // Work until this process has used 0.1 s of CPU (however long a loaded machine takes).
        let window = Window::open().unwrap();
        let before = own_seconds().unwrap();
        let mut x = 1u64;
        while own_seconds().unwrap() - before < 0.1 {
            for _ in 0..100_000 {
                x = std::hint::black_box(x.wrapping_mul(3));
            }
        }
        let load = window.close().unwrap();
        assert!(load.own >= 0.1, "{load:?}");
        assert!(load.wall > 0.0 && load.cpus >= 1.0, "{load:?}");
    }
}
