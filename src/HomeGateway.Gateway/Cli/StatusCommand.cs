using System.CommandLine;
using System.Text.Json;
using HomeGateway.Gateway.Status;

namespace HomeGateway.Gateway.Cli;

/// <summary>
/// <c>homegateway status</c>: is the service up, its dispatch link and backlog, MQTT, and a one-line sensor summary,
/// from the running service's <c>status.json</c>. Exit 0 when the service is running; 1 when the file is missing or
/// stale (the service is stopped or stuck); 2 on misuse. <c>homegateway sensors</c> shows each sensor.
/// </summary>
public static class StatusCommand
{
    public static Command Create(TimeProvider? clock = null)
    {
        var time = clock ?? TimeProvider.System;
        var status = new Option<FileInfo?>("--status") { Description = $"The service's status file (default: $RUNTIME_DIRECTORY or {StatusFile.SystemdRuntimeDirectory}/{StatusFileWriter.FileName})" };
        var json = new Option<bool>("--json") { Description = "Print the whole status as JSON, for scripts" };
        var command = new Command("status", "Is the service running? Dispatch link, alerts waiting to be sent, MQTT, sensors needing attention")
        {
            status, json,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var path = parse.GetValue(status)?.FullName ?? StatusFile.DefaultPath();
            if (StatusFile.Read(path, error) is not { } snapshot)
            {
                output.WriteLine("service: NOT running");
                return 1;
            }

            var now = time.GetUtcNow();
            var age = now - snapshot.WrittenAt;
            var running = age <= StatusFile.StaleAfter;
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(snapshot, StatusJsonContext.Default.GatewayStatus));
            }
            else
            {
                Print(snapshot, running, now, output);
            }

            if (!running)
            {
                error.WriteLine($"the status was last written {StatusFile.Ago(age)} ago: the service is stopped or stuck (sudo systemctl status homegateway)");
            }

            return running ? 0 : 1;
        });
        return command;
    }

    private static void Print(GatewayStatus s, bool running, DateTimeOffset now, TextWriter output)
    {
        output.WriteLine(running
            ? $"service: running for {StatusFile.Ago(now - s.StartedAt)} ({s.Software}), home {s.HomeId}, gateway {s.GatewayId}"
            : $"service: NOT running (last status {StatusFile.Ago(now - s.WrittenAt)} ago), home {s.HomeId}, gateway {s.GatewayId}");
        if (s.HomeFile is { } refused)
        {
            // Second line, not buried: the care plan in force is not the one the technician last saved.
            output.WriteLine($"care plan: {(refused.InForce == "last-good-copy" ? "the LAST GOOD COPY" : "an EARLIER plan")} is running, not the home file: {(refused.Problems.Count > 0 ? refused.Problems[0] : "refused")} (homegateway config validate {refused.Path})");
        }

        var uplink = s.Uplink;
        output.WriteLine($"dispatch link: {uplink.State}");
        output.WriteLine(uplink.OutboxDepth == 0
            ? "outbox: empty, dispatch has everything"
            : $"outbox: {uplink.OutboxDepth} record(s) waiting for dispatch{(uplink.OldestPendingAt is { } oldest ? $", the oldest from {StatusFile.Ago(now - oldest)} ago" : "")}");
        if (uplink.DroppedTelemetry > 0)
        {
            output.WriteLine($"journal: {uplink.DroppedTelemetry} sensor event(s) dropped under the disk budget (no alert was dropped)");
        }

        if (uplink.JournalDamage is { } damage)
        {
            // The running check found bad pages: the next start checks in full and sets the file aside (Journal/README.md).
            output.WriteLine($"journal: DAMAGED: {damage}; restart the service (sudo systemctl restart homegateway) to set it aside");
        }

        if (uplink.JournalSetAside is { } aside)
        {
            output.WriteLine($"journal: was unreadable at start and was set aside: {aside}");
        }

        output.WriteLine(s.Mqtt switch
        {
            { Mode: "external" } mqtt => $"mqtt: external broker {mqtt.Broker}, {(mqtt.Connected ? "connected" : $"NOT connected{(mqtt.LastError is { } e ? $" ({e})" : "")}")}",
            { Broker.Length: > 0 } mqtt => $"mqtt: embedded broker on {mqtt.Broker}",
            _ => "mqtt: off",
        });

        var attention = s.Sensors.Select(x => (x.Id, Why: SensorsCommand.NeedsAttention(x))).Where(x => x.Why is not null).ToList();
        output.WriteLine(attention.Count == 0
            ? $"sensors: {s.Sensors.Count}, all reporting"
            : $"sensors: {s.Sensors.Count}, {attention.Count} need attention: {string.Join("; ", attention.Select(a => $"{a.Id} {a.Why}"))} (homegateway sensors)");
        output.WriteLine("recent alerts: homegateway events tail");
    }
}
