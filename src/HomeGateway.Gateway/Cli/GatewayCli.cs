using System.CommandLine;
using HomeGateway.Core.Configuration;
using HomeGateway.Gateway.Configuration;
using Microsoft.Extensions.Hosting;

namespace HomeGateway.Gateway.Cli;

/// <summary>
/// The <c>homegateway</c> command: with no command (or <c>run</c>) it is the service; the other commands
/// are for the technician. Exit codes: 0 ok, 1 the thing checked is wrong, 2 the command was used wrongly.
/// </summary>
public static class GatewayCli
{
    public static RootCommand Create()
    {
        var root = new RootCommand("HomeGateway: the home-care alarm gateway. Without a command it runs the service.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        root.SetAction((parse, cancel) => RunServiceAsync([.. parse.UnmatchedTokens], cancel));
        foreach (var version in root.Options.OfType<VersionOption>())
        {
            version.Action = new VersionAction();
        }

        var run = new Command("run", "Run the gateway service (what systemd starts). Settings: appsettings.json, Gateway__* environment variables or --Gateway:Key=value.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        run.SetAction((parse, cancel) => RunServiceAsync([.. parse.UnmatchedTokens], cancel));
        root.Subcommands.Add(run);

        root.Subcommands.Add(ConfigCommand.Create());
        root.Subcommands.Add(Mqtt.MqttCommands.Create());
        root.Subcommands.Add(ReplayCommand.Create());
        root.Subcommands.Add(SensorsCommand.Create());
        root.Subcommands.Add(GpioWatchCommand.Create());
        root.Subcommands.Add(EnrollCommand.Create());
        root.Subcommands.Add(DoctorCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(EventsCommand.Create());
        root.Subcommands.Add(TestAlarmCommand.Create());
        return root;
    }

    /// <summary>
    /// Runs the command line. A parse error (unknown option, bad value) exits 2, as every command documents for
    /// misuse; System.CommandLine alone would exit 1, which means "the thing checked is wrong" here. Only the service
    /// (no command, or <c>run</c>) takes tokens it does not know: they are host settings (<c>--Gateway:Key=value</c>).
    /// </summary>
    public static async Task<int> InvokeAsync(string[] args, InvocationConfiguration? configuration = null)
    {
        var parse = Create().Parse(args);
        var command = parse.CommandResult.Command;
        if (parse.UnmatchedTokens.Count > 0 && command is not RootCommand && command.Name != "run")
        {
            var error = configuration?.Error ?? Console.Error;
            await error.WriteLineAsync($"homegateway {command.Name}: unknown argument(s): {string.Join(' ', parse.UnmatchedTokens)} (see homegateway {command.Name} --help)").ConfigureAwait(false);
            return 2;
        }

        var exit = await parse.InvokeAsync(configuration).ConfigureAwait(false);
        return parse.Errors.Count > 0 ? 2 : exit;
    }

    internal static async Task<int> RunServiceAsync(string[] hostArgs, CancellationToken cancellationToken)
    {
        // The service's files (journal, status, credentials) are its own; systemd's UMask=0027 is not the only guard.
        PrivateFiles.SetProcessUmask();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = hostArgs,
            // appsettings.json beside the program, as doctor reads it, wherever the service is started from. The host
            // watches its content root and every directory under it for that file to change: from the working directory,
            // a technician's `homegateway run` in a home directory (or the bench's, where the journal and logs are written
            // below it) held an inotify watch on each subdirectory and woke a thread for every write beneath them.
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.AddGateway();
        using var host = builder.Build();
        try
        {
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }
        catch (Exception ex) when (FindStartupProblem(ex) is { } message)
        {
            await Console.Error.WriteLineAsync($"homegateway: cannot start: {message}").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>Start-up failures a technician can fix get one plain message instead of a stack trace.</summary>
    private static string? FindStartupProblem(Exception ex) => ex switch
    {
        Microsoft.Extensions.Options.OptionsValidationException options => string.Join(Environment.NewLine, options.Failures),
        HomeConfigException home => home.Message,
        AggregateException aggregate => aggregate.InnerExceptions.Select(FindStartupProblem).FirstOrDefault(m => m is not null),
        _ when ex.InnerException is not null => FindStartupProblem(ex.InnerException),
        _ => null,
    };
}
