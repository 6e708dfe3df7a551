using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Gateway.Journal;

/// <summary>
/// The running check: SQLite's full quick check on a read-only connection of its own, off the event path, once per
/// <see cref="CheckInterval"/>. It bounds how long a page that went bad on the card (while the gateway ran, or while it was
/// off after a clean close, when the start skipped the full check) stays unnoticed.
/// </summary>
public sealed partial class Journal
{
    /// <summary>How often the running check reads the whole file: the longest a silently-bad page goes unnoticed while running.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromDays(1);

    /// <summary>
    /// After a start that skipped the full check (a clean close before it): soon, so what went bad while the gateway was off
    /// is found within minutes, and late enough not to compete with the start itself for the SD card.
    /// </summary>
    public static readonly TimeSpan FirstCheckAfterCleanStart = TimeSpan.FromMinutes(10);

    private readonly Lock checkGate = new();
    private ITimer? checkTimer;
    private SqliteConnection? checkConnection;
    private bool checksStopped;

    /// <summary>The running check's last verdict; null before the first one.</summary>
    public JournalCheck? LastCheck { get; private set; }

    /// <summary>
    /// When the whole file was last read and found intact: by the check at open (after a stop that was not clean) or by the
    /// running check; null before either, and from the first damage found on.
    /// </summary>
    public DateTimeOffset? LastIntactAt { get; private set; }

    private void StartBackgroundCheck()
    {
        var first = CheckedInFullAtOpen ? CheckInterval : FirstCheckAfterCleanStart;
        checkTimer = time.CreateTimer(_ => RunBackgroundCheck(), null, first, CheckInterval);
    }

    private void StopBackgroundCheck()
    {
        lock (checkGate)
        {
            checksStopped = true;
            checkTimer?.Dispose();

            // A check under way on a full journal may read for seconds more: a stop does not wait for it.
            if (checkConnection?.Handle is { } handle)
            {
                SQLitePCL.raw.sqlite3_interrupt(handle);
            }
        }
    }

    /// <summary>
    /// Runs the check now (the timer's work; the tests call it directly) and returns its verdict, or null when the journal
    /// stopped first. A damaged file is logged as an error (event 2988), shown in the status and by doctor, and keeps the
    /// clean mark from being written, so the next start checks it in full and sets it aside.
    /// </summary>
    internal JournalCheck? RunBackgroundCheck()
    {
        var started = time.GetTimestamp();
        List<string> problems;
        try
        {
            // Read-only and its own, in this process (which holds the file's lock): in WAL mode a reader never blocks the
            // appends (nor they it), so an alert's commit does not wait for the check; a check that holds an old snapshot
            // only delays the WAL's reuse meanwhile.
            using var reader = new SqliteConnection(ConnectionString(Path, SqliteOpenMode.ReadOnly));
            lock (checkGate)
            {
                if (checksStopped)
                {
                    return null;
                }

                reader.Open();
                checkConnection = reader;
            }

            try
            {
                problems = QuickCheck(reader);
            }
            finally
            {
                lock (checkGate)
                {
                    checkConnection = null;
                }
            }
        }
        catch (SqliteException ex) when (IsCorruption(ex))
        {
            problems = [ex.Message.Split('\n')[0].Trim()];
        }
        catch (SqliteException) when (checksStopped)
        {
            // Interrupted by the stop: no verdict.
            return null;
        }
        catch (Exception ex) when (ex is SqliteException or IOException)
        {
            // Not a verdict on the file (busy, no permission, an I/O error): said, and tried again at the next interval.
            JournalLog.CheckDone(logger, LogLevel.Warning, Path, "could not run: " + ex.Message.Split('\n')[0].Trim(), (long)time.GetElapsedTime(started).TotalMilliseconds);
            return null;
        }

        var took = time.GetElapsedTime(started);
        var damage = problems is ["ok"] ? null : string.Join("; ", problems);
        var check = new JournalCheck(time.GetUtcNow(), damage, took);

        // Once damaged, stays damaged for this run: a later "ok" would not make the file trustworthy again.
        if (LastCheck is not { Damage: not null })
        {
            LastCheck = check;
        }

        // LastCheck keeps the first damage found, so this stays null from then on.
        LastIntactAt = LastCheck.Damage is null ? check.At : null;

        if (damage is null)
        {
            JournalLog.CheckDone(logger, LogLevel.Information, Path, "ok", (long)took.TotalMilliseconds);
        }
        else
        {
            JournalLog.Damaged(logger, Path, damage);
        }

        return check;
    }
}

/// <summary>A verdict of the running check.</summary>
/// <param name="At">When it finished.</param>
/// <param name="Damage">SQLite's words for what is wrong; null when the file is intact.</param>
/// <param name="Took">How long the check read.</param>
public sealed record JournalCheck(DateTimeOffset At, string? Damage, TimeSpan Took);
