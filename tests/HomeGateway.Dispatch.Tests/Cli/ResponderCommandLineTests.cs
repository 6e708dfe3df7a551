using HomeGateway.Dispatch.Cli;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Tests.Cli;

/// <summary>
/// Invariant: the teams and cascade commands keep the console's rules (ids, responders only, 1–120 minutes, known teams)
/// and change nothing when refused; what they change is audited as from the command line.
/// </summary>
public sealed class ResponderCommandLineTests
{
    [Fact]
    public async Task Teams_and_a_homes_cascade_are_set_from_the_command_line_and_bad_steps_change_nothing()
    {
        await using var server = await DispatchServer.StartAsync();
        await server.Store.AddGatewayAsync("gw-1", "home-1");
        Assert.Equal(0, (await RunAsync(server, "users", "add", "rita", "--role", "responder")).Code);
        Assert.Equal(0, (await RunAsync(server, "users", "add", "dan", "--role", "dispatcher")).Code);

        Assert.Equal(0, (await RunAsync(server, "teams", "add", "night", "Night patrol")).Code);
        Assert.Equal(2, (await RunAsync(server, "teams", "add", "bad id", "Bad")).Code);
        Assert.Equal(1, (await RunAsync(server, "teams", "add", "night", "Again")).Code);
        Assert.Equal(0, (await RunAsync(server, "teams", "members", "add", "night", "rita")).Code);
        Assert.Equal(1, (await RunAsync(server, "teams", "members", "add", "night", "dan")).Code);
        Assert.Equal(0, (await RunAsync(server, "teams", "rename", "night", "Night patrol north")).Code);
        var list = await RunAsync(server, "teams", "list");
        Assert.Contains("Night patrol north", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("rita", list.Stdout, StringComparison.Ordinal);

        var set = await RunAsync(server, "homes", "cascade", "set", "home-1", "--step", "team:night:5", "--step", "user:rita");
        Assert.Equal(0, set.Code);
        Assert.Equal([new CascadeStep("night", null, 5), new CascadeStep(null, "rita", 10)], await server.Store.GetCascadeAsync("home-1"));
        var show = await RunAsync(server, "homes", "cascade", "show", "home-1");
        Assert.Equal("1. team:night:5" + Environment.NewLine + "2. user:rita:10", show.Stdout);

        foreach (var bad in new[] { "team:nope:5", "user:dan:5", "team:night:0", "team:night:121", "night" })
        {
            var refused = await RunAsync(server, "homes", "cascade", "set", "home-1", "--step", bad);
            Assert.True(refused.Code == 2, $"{bad}: {refused.Stderr}");
        }

        Assert.Equal(2, (await server.Store.GetCascadeAsync("home-1")).Count);
        Assert.Equal(1, (await RunAsync(server, "homes", "cascade", "set", "no-home", "--step", "team:night:5")).Code);
        Assert.Equal(1, (await RunAsync(server, "teams", "remove", "night")).Code);
        Assert.Equal(0, (await RunAsync(server, "homes", "cascade", "set", "home-1")).Code);
        Assert.Equal(0, (await RunAsync(server, "teams", "members", "remove", "night", "rita")).Code);
        Assert.Equal(0, (await RunAsync(server, "teams", "remove", "night")).Code);

        var actions = (await server.Store.ListAuditPageAsync(new AuditQuery(null, null, null, null, 1, 100))).Rows
            .Where(r => r.Actor.StartsWith("command line", StringComparison.Ordinal)).Select(r => r.Action).Reverse();
        Assert.Equal(
            ["team_added", "team_member_added", "team_changed", "cascade_changed", "cascade_changed", "team_member_removed", "team_removed"],
            actions.Where(a => a.StartsWith("team_", StringComparison.Ordinal) || a == "cascade_changed"));
    }

    /// <summary>A command on the server's own store (its settings: SQLite in its data directory or its PostgreSQL database).</summary>
    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(DispatchServer server, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await DispatchCommandLine.InvokeAsync(args, server.Settings, stdout, stderr);
        return (code, stdout.ToString().Trim(), stderr.ToString());
    }
}
