//! Where and when a run was made, for a chart's caption: the machine's online CPUs, its kernel,
//! and the date (UTC).

use anyhow::Result;

use crate::record::Record;

/// Records `cpus`, `kernel` and `date` as facts in `run`.
pub fn record(run: &mut Record) -> Result<()> {
    let cpus = nix::unistd::sysconf(nix::unistd::SysconfVar::_NPROCESSORS_ONLN)?.unwrap_or(0);
    run.fact("cpus", cpus.to_string());
    run.fact(
        "kernel",
        nix::sys::utsname::uname()?.release().to_string_lossy(),
    );
    run.fact("date", today());
    Ok(())
}

/// `2 CPUs, Linux 6.1.0, 2026-11-30`, from what [`record`] wrote (`?` for what is missing).
pub fn describe(run: Option<&Record>) -> String {
    let fact = |key| run.and_then(|r| r.get_fact(key)).unwrap_or("?");
    format!(
        "{} CPUs, Linux {}, {}",
        fact("cpus"),
        fact("kernel"),
        fact("date")
    )
}

/// Today's date (UTC) as `YYYY-MM-DD`: the clock's days since 1970 as a civil date (Howard
/// Hinnant's `civil_from_days`).
pub fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    civil(days)
}

fn civil(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn days_become_dates() {
        assert_eq!(super::civil(0), "1970-01-01");
        assert_eq!(super::civil(20_422), "2025-11-30");
        assert_eq!(super::civil(11_016), "2000-02-29");
    }
}
