using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using HomeGateway.Gateway.Status;

namespace HomeGateway.Gateway.Cli;

/// <summary>
/// <c>homegateway sensors</c>: each sensor of the home file with what it last said — state, last seen, battery,
/// link quality, refused messages — read from the running service's <c>status.json</c>. Exit 0 when the file is
/// fresh; 1 when it is missing or stale (the service is not running) or when a sensor needs attention and
/// <c>--check</c> was given; 2 on misuse.
/// </summary>
public static class SensorsCommand
{
    /// <summary>Older than this, the file says more about a stopped service than about the sensors.</summary>
    internal static readonly TimeSpan StaleAfter = StatusFile.StaleAfter;

    public static Command Create(TimeProvider? clock = null)
    {
        var time = clock ?? TimeProvider.System;
        var status = new Option<FileInfo?>("--status") { Description = $"The service's status file (default: $RUNTIME_DIRECTORY or {StatusFile.SystemdRuntimeDirectory}/{StatusFileWriter.FileName})" };
        var data = new Option<DirectoryInfo?>("--data") { Description = "Read the status file from this directory (Gateway:RuntimeDirectory or, outside systemd, Gateway:DataDirectory)" };
        var json = new Option<bool>("--json") { Description = "Print the sensors as JSON, for scripts" };
        var check = new Option<bool>("--check") { Description = "Exit 1 when a sensor is offline, has a low battery, was never heard from or had messages refused" };
        var command = new Command("sensors", "List each sensor: state, last seen, battery, link quality, refused messages")
        {
            status, data, json, check,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var path = parse.GetValue(status)?.FullName
                ?? (parse.GetValue(data) is { } dir ? Path.Combine(dir.FullName, StatusFileWriter.FileName) : StatusFile.DefaultPath());
            if (StatusFile.Read(path, error) is not { } snapshot)
            {
                return 1;
            }

            var now = time.GetUtcNow();
            var age = now - snapshot.WrittenAt;
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(snapshot, StatusJsonContext.Default.GatewayStatus));
            }
            else
            {
                Print(snapshot, now, output);
            }

            var stale = age > StaleAfter;
            if (stale)
            {
                error.WriteLine($"warning: this was written {Ago(age)} ago; the service is not running or is stuck (sudo systemctl status homegateway)");
            }

            var attention = snapshot.Sensors.Count(s => NeedsAttention(s) is not null);
            return stale || (parse.GetValue(check) && attention > 0) ? 1 : 0;
        });
        return command;
    }

    /// <summary>Why a technician should look at this sensor, or null.</summary>
    internal static string? NeedsAttention(SensorStatus s) =>
        s.Availability == "offline" ? (s.LastRejection is { } why && why.StartsWith("I2C:", StringComparison.Ordinal) ? $"offline: {why}" : "offline")
        : s.LastSeen is null ? "never heard from since start"
        : s.Tamper == "detected" ? "tampered"
        : s.BatteryLow == true || s.BatteryPercent is < 15 ? "battery low"
        // An I2C chip's reason starts "I2C:" and is one outage, not a refused message (I2c/I2cSensorPoller.cs).
        : s.Rejected > 0 && s.LastRejection?.StartsWith("I2C:", StringComparison.Ordinal) == true
            ? (s.LastRejectedAt > s.StateAt || s.StateAt is null ? s.LastRejection : null)
        : s.Rejected > 0 ? $"{s.Rejected} message(s) refused, the last: {s.LastRejection}"
        : null;

    private static void Print(GatewayStatus status, DateTimeOffset now, TextWriter output)
    {
        output.WriteLine($"home {status.HomeId}, gateway {status.GatewayId}, status written {Ago(now - status.WrittenAt)} ago; dispatch link {status.Uplink.State}, {status.Uplink.OutboxDepth} record(s) waiting to be sent");
        if (status.Uplink.DroppedTelemetry > 0)
        {
            output.WriteLine($"{status.Uplink.DroppedTelemetry} sensor event(s) were dropped unsent under the journal's disk budget ({status.Uplink.JournalBytes / 1024 / 1024} of {status.Uplink.JournalMaxBytes / 1024 / 1024} MiB); no alert was dropped");
        }

        if (status.Uplink.JournalSetAside is { } aside)
        {
            output.WriteLine($"the journal was unreadable at start and was set aside: {aside}");
        }

        if (status.Mqtt is { Mode: "external" } mqtt)
        {
            var since = mqtt.Since is { } at ? $" for {Ago(now - at)}" : "";
            output.WriteLine(mqtt.Connected
                ? $"MQTT broker {mqtt.Broker}: connected{since}"
                : $"MQTT broker {mqtt.Broker}: NOT connected{since}{(mqtt.LastError is { } e ? $" ({e})" : "")}: no MQTT sensor can be heard");
        }

        var rows = new List<string[]> { new[] { "SENSOR", "KIND", "INPUT", "STATE", "SINCE", "LAST SEEN", "BATTERY", "LINK", "REFUSED", "NOTE" } };
        foreach (var s in status.Sensors)
        {
            var state = s.State is null ? "-" : s.Value is { } v ? $"{s.State} {v.ToString("0.##", CultureInfo.InvariantCulture)}" : s.State;
            rows.Add(
            [
                s.Id, s.Kind, s.Input, state,
                s.StateAt is { } at ? Ago(now - at) : "-",
                s.LastSeen is { } seen ? Ago(now - seen) : "never",
                s.BatteryPercent is { } b ? $"{b} %" : "-",
                s.LinkQuality?.ToString(CultureInfo.InvariantCulture) ?? "-",
                s.Rejected.ToString(CultureInfo.InvariantCulture),
                NeedsAttention(s) ?? "",
            ]);
        }

        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        foreach (var row in rows)
        {
            output.WriteLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
        }

        if (status.UnknownTopicMessages > 0)
        {
            output.WriteLine($"{status.UnknownTopicMessages} MQTT message(s) on topics of no sensor in the home file (see the log, event 2121)");
        }
    }

    internal static string Ago(TimeSpan span) => StatusFile.Ago(span);
}
