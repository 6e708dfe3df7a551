using System.CommandLine;
using HomeGateway.Simulator.Demo;
using HomeGateway.Simulator.Scenarios;

namespace HomeGateway.Simulator;

/// <summary>`homegateway-sim`: play a scenario into a running gateway, or run the whole demo.</summary>
public static class SimulatorCli
{
    public static RootCommand Create()
    {
        var root = new RootCommand("HomeGateway simulator: a virtual home (simulated GPIO and MQTT devices) and the demo.");
        root.Subcommands.Add(CreateDemoCommand());
        root.Subcommands.Add(CreatePlayCommand());
        return root;
    }

    private static Command CreateDemoCommand()
    {
        var gateway = new Option<FileInfo>("--gateway") { Description = "The gateway executable (homegateway.dll)", Required = true };
        var dispatch = new Option<FileInfo>("--dispatch") { Description = "The dispatch executable (homegateway-dispatch.dll)", Required = true };
        var work = new Option<DirectoryInfo>("--work") { Description = "Work directory, recreated on every run", DefaultValueFactory = _ => new DirectoryInfo("artifacts/demo") };
        var exitWhenDone = new Option<bool>("--exit-when-done") { Description = "Exit after the scenario's alerts have reached dispatch (0) or after the wait ran out (1)" };
        var anyPorts = new Option<bool>("--any-ports") { Description = "Use free ports instead of 8080/8081/1883" };
        var command = new Command("demo", "Start dispatch and a gateway on loopback, play the demo scenario, print alerts as dispatch receives them")
        {
            gateway, dispatch, work, exitWhenDone, anyPorts,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var binaries = new ProductBinaries(parse.GetValue(gateway)!.FullName, parse.GetValue(dispatch)!.FullName);
            foreach (var file in new[] { binaries.Gateway, binaries.Dispatch }.Where(f => !File.Exists(f)))
            {
                await Console.Error.WriteLineAsync($"homegateway-sim: {file} does not exist; build first (make build)").ConfigureAwait(false);
                return 2;
            }

            var run = new DemoRun(binaries, parse.GetValue(work)!.FullName, Console.Out)
            {
                ExitWhenDone = parse.GetValue(exitWhenDone),
                PreferredPorts = parse.GetValue(anyPorts) ? (0, 0, 0) : (8080, 8081, 1883),
            };
            try
            {
                return await run.RunAsync(cancel).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
            {
                await Console.Error.WriteLineAsync($"homegateway-sim: demo failed: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }

    private static Command CreatePlayCommand()
    {
        var scenario = new Argument<FileInfo>("SCENARIO") { Description = "The scenario file" };
        var host = new Option<string>("--mqtt-host") { DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--mqtt-port") { DefaultValueFactory = _ => 1883 };
        var user = new Option<string>("--mqtt-user") { Required = true };
        var passwordFile = new Option<FileInfo>("--mqtt-password-file") { Description = "File holding the MQTT password (not on the command line, where ps shows it)", Required = true };
        var pins = new Option<DirectoryInfo>("--pins") { Description = "The gateway's simulated pin directory", Required = true };
        var command = new Command("play", "Play a scenario into a running gateway") { scenario, host, port, user, passwordFile, pins };
        command.SetAction(async (parse, cancel) =>
        {
            Scenario script;
            try
            {
                script = Scenario.Load(parse.GetValue(scenario)!.FullName);
            }
            catch (Exception ex) when (ex is FormatException or IOException)
            {
                await Console.Error.WriteLineAsync($"homegateway-sim: {ex.Message}").ConfigureAwait(false);
                return 2;
            }

            var password = (await File.ReadAllTextAsync(parse.GetValue(passwordFile)!.FullName, cancel).ConfigureAwait(false)).Trim();
            var link = new SimulatedHomeLink(parse.GetValue(host)!, parse.GetValue(port), parse.GetValue(user)!, password, parse.GetValue(pins)!.FullName);
            await using var player = new ScenarioPlayer(link, TimeProvider.System, Console.WriteLine);
            await player.ConnectAsync(cancel).ConfigureAwait(false);
            await player.PlayAsync(script, cancel).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
