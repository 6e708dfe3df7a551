using System.CommandLine;
using HomeGateway.Core.Configuration;
using HomeGateway.Gateway.Configuration;

namespace HomeGateway.Gateway.Cli;

/// <summary>
/// <c>homegateway test-alarm</c>: asks the running service for a test alarm (the daily test's low-priority alert, now)
/// through its request directory (see <see cref="TechnicianRequests"/>), and waits until the service has taken it.
/// Exit 0 taken; 1 the service did not take it (not running) or the home file has no daily test; 2 on misuse.
/// </summary>
public static class TestAlarmCommand
{
    /// <summary>A running service takes a request within a second; this much longer means it is not running.</summary>
    internal static readonly TimeSpan WaitForService = TimeSpan.FromSeconds(15);

    public static Command Create(TimeProvider? clock = null)
    {
        var time = clock ?? TimeProvider.System;
        var settings = new Option<FileInfo?>("--settings") { Description = "A settings file (appsettings.json format), as for doctor" };
        var runtime = new Option<DirectoryInfo?>("--runtime") { Description = "The service's runtime directory, where status.json is (default: $RUNTIME_DIRECTORY or /run/homegateway)" };
        var command = new Command("test-alarm", "Ask the running service for a test alarm now: a low-priority alert through the journal to dispatch")
        {
            settings, runtime,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var options = DoctorCommand.LoadOptions(parse.GetValue(settings)?.FullName);
            if (parse.GetValue(runtime) is { } dir)
            {
                options.RuntimeDirectory = dir.FullName;
            }
            else if (options.RuntimeDirectory is not { Length: > 0 } && Environment.GetEnvironmentVariable("RUNTIME_DIRECTORY") is not { Length: > 0 })
            {
                options.RuntimeDirectory = StatusFile.SystemdRuntimeDirectory;
            }

            if (options.HomeFile is { Length: > 0 } homeFile && File.Exists(homeFile) && !HasDailyTest(homeFile))
            {
                await error.WriteLineAsync($"{homeFile} has no daily test (rules: dailyTest: {{ at: \"10:00\" }}): the service would not raise a test alarm").ConfigureAwait(false);
                return 1;
            }

            var directory = TechnicianRequests.DirectoryFor(options);
            var request = Path.Combine(directory, $"{TechnicianRequests.TestAlarm}-{Environment.ProcessId}");
            try
            {
                AtomicFile.Write(request, "", UnixFileMode.UserRead | UnixFileMode.UserWrite, durable: false);
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException or DirectoryNotFoundException or IOException)
            {
                await error.WriteLineAsync(ex is UnauthorizedAccessException
                    ? $"{directory} belongs to the service user: run with sudo"
                    : $"{directory} does not exist: is the homegateway service running? (sudo systemctl status homegateway)").ConfigureAwait(false);
                return 1;
            }

            await output.WriteLineAsync("asked the service for a test alarm; waiting for it to take the request ...").ConfigureAwait(false);
            var deadline = time.GetUtcNow() + WaitForService;
            while (File.Exists(request))
            {
                if (time.GetUtcNow() >= deadline)
                {
                    File.Delete(request);
                    await error.WriteLineAsync($"the service did not take the request within {(int)WaitForService.TotalSeconds} s: is it running? (sudo systemctl status homegateway)").ConfigureAwait(false);
                    return 1;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancel).ConfigureAwait(false);
            }

            await output.WriteLineAsync("the service took it: a low-priority test alarm is on its way to dispatch (homegateway events tail shows it; homegateway status shows the outbox)").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static bool HasDailyTest(string homeFile)
    {
        try
        {
            return HomeConfigLoader.Load(homeFile).Rules.DailyTest is not null;
        }
        catch (HomeConfigException)
        {
            // A broken home file is doctor's to report; the service that is running read an earlier, valid one.
            return true;
        }
    }
}
