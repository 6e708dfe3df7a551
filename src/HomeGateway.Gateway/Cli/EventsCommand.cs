using System.CommandLine;
using System.Globalization;
using HomeGateway.Contracts.V1;
using HomeGateway.Core.Text;
using Microsoft.Data.Sqlite;

namespace HomeGateway.Gateway.Cli;

/// <summary>
/// <c>homegateway events tail [-n N] [--follow]</c>: the sensor events and alert steps still in the journal (those
/// dispatch has not acknowledged, or the rules still need), oldest first. Read-only and without locks: the service keeps writing.
/// Exit 0, 1 when there is no journal to read, 2 on misuse.
/// </summary>
public static class EventsCommand
{
    /// <summary>How often <c>--follow</c> looks for new records.</summary>
    internal static readonly TimeSpan FollowInterval = TimeSpan.FromSeconds(1);

    public static Command Create(TimeProvider? clock = null)
    {
        var time = clock ?? TimeProvider.System;
        var data = new Option<DirectoryInfo?>("--data") { Description = "The service's data directory (default: Gateway:DataDirectory of the settings)" };
        var count = new Option<int>("-n", "--lines") { Description = "How many of the latest records to show", DefaultValueFactory = _ => 20 };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new records as the service journals them, until Ctrl-C" };
        var tail = new Command("tail", "Show the latest sensor events and alert steps in the journal")
        {
            data, count, follow,
        };
        tail.SetAction(async (parse, cancel) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var lines = parse.GetValue(count);
            if (lines < 1)
            {
                await error.WriteLineAsync("-n must be at least 1").ConfigureAwait(false);
                return 2;
            }

            var directory = parse.GetValue(data)?.FullName ?? DoctorCommand.LoadOptions(null).DataDirectory;
            var path = Path.Combine(directory, "journal.db");
            if (!File.Exists(path))
            {
                await error.WriteLineAsync($"{path} does not exist: the service has not started here yet, or give --data DIR").ConfigureAwait(false);
                return 1;
            }

            try
            {
                // The running service holds the journal's lock: every read is a lock-free snapshot of its own (JournalFile).
                var last = 0L;
                var publisher = "NULL";
                var latest = JournalFile.ReadUnlocked(path, connection =>
                {
                    // A journal the service has not opened since the upgrade has no publisher column yet.
                    publisher = HasPublisherColumn(connection) ? "publisher" : "NULL";
                    return Read(connection, $"SELECT record, publisher FROM (SELECT seq, record, {publisher} AS publisher FROM journal ORDER BY seq DESC LIMIT $n) ORDER BY seq;", ("$n", lines));
                });
                foreach (var (record, by) in latest)
                {
                    await output.WriteLineAsync(Format(record, by)).ConfigureAwait(false);
                    last = (long)record.Seq;
                }

                while (parse.GetValue(follow) && !cancel.IsCancellationRequested)
                {
                    await Task.Delay(FollowInterval, time, cancel).ConfigureAwait(false);
                    var after = last;
                    var newer = JournalFile.ReadUnlocked(path, connection =>
                        Read(connection, $"SELECT record, {publisher} FROM journal WHERE seq > $after ORDER BY seq;", ("$after", after)));
                    foreach (var (record, by) in newer)
                    {
                        await output.WriteLineAsync(Format(record, by)).ConfigureAwait(false);
                        last = (long)record.Seq;
                    }
                }
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                // Ctrl-C ends --follow: that is the normal way out.
            }
            catch (SqliteException ex)
            {
                await error.WriteLineAsync($"{path} cannot be read: {ex.Message}{(ex.SqliteErrorCode == 14 ? " (run with sudo: it belongs to the service user)" : "")}").ConfigureAwait(false);
                return 1;
            }

            return 0;
        });
        return new Command("events", "The journal's sensor events and alert steps") { tail };
    }

    private static List<(JournalRecord Record, string? Publisher)> Read(SqliteConnection connection, string sql, (string Name, object Value) parameter)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue(parameter.Name, parameter.Value);
        using var reader = command.ExecuteReader();
        var records = new List<(JournalRecord, string?)>();
        while (reader.Read())
        {
            records.Add((JournalRecord.Parser.ParseFrom((byte[])reader.GetValue(0)), reader.IsDBNull(1) ? null : reader.GetString(1)));
        }

        return records;
    }

    private static bool HasPublisherColumn(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM pragma_table_info('journal') WHERE name = 'publisher';";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) == 1;
    }

    /// <summary>One line per record: time, sequence, what happened in words; for a sensor event, who handed it over (<c>by login:zigbee2mqtt</c>).</summary>
    internal static string Format(JournalRecord record, string? publisher)
    {
        var line = Format(record);
        return publisher is null || record.BodyCase != JournalRecord.BodyOneofCase.SensorEvent ? line : $"{line} by {PeerText.Escape(publisher)}";
    }

    /// <summary>One line per record: time, sequence, what happened in words.</summary>
    internal static string Format(JournalRecord record)
    {
        var at = record.RecordedAt?.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "-";
        var what = record.BodyCase switch
        {
            JournalRecord.BodyOneofCase.SensorEvent => SensorLine(record.SensorEvent),
            JournalRecord.BodyOneofCase.AlertEvent => AlertLine(record.AlertEvent),
            JournalRecord.BodyOneofCase.TelemetryGap => $"gap     {record.TelemetryGap.Count} sensor event(s) dropped under the disk budget (#{record.TelemetryGap.FromSeq}..#{record.TelemetryGap.ThroughSeq})",
            _ => "unknown record (written by a newer homegateway)",
        };
        return $"{at}  #{record.Seq,-6} {what}";
    }

    private static string SensorLine(SensorEvent e)
    {
        var value = e.HasValue ? $" {e.Value.ToString("0.##", CultureInfo.InvariantCulture)}" : "";
        var battery = e.HasBatteryPercent ? $", battery {e.BatteryPercent} %" : "";
        return $"sensor  {e.SensorId} ({Word(e.Kind.ToString())}): {e.State}{value}{battery}  [{e.Source}]";
    }

    private static string AlertLine(AlertEvent a) =>
        $"alert   {Word(a.Kind.ToString())} {Word(a.Type.ToString())} ({Word(a.Priority.ToString())}) {a.AlertId}{(a.SensorId.Length > 0 ? $" from {a.SensorId}" : "")}: {a.Summary}";

    /// <summary><c>WaterLeak</c> → <c>water leak</c>: the protobuf enum names, in words.</summary>
    private static string Word(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? " " + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
