using System.CommandLine;
using HomeGateway.Gateway.Uplink;
using Microsoft.Extensions.Configuration;

namespace HomeGateway.Gateway.Cli;

/// <summary>
/// <c>homegateway enroll --dispatch URL --token-file FILE|- [--data DIR]</c>: obtains this gateway's certificate from
/// dispatch with a one-time enrolment code (see <see cref="DispatchEnrolment"/>). Exit 0 enrolled, 1 refused or
/// unreachable (the message says which), 2 misuse. A running service picks the new certificate up by itself.
/// The code is read from a file (mode 0600: one readable by others is refused, since whoever reads the code first can
/// enrol as this gateway) or from stdin (<c>-</c>); <c>--token CODE</c> still works but puts the code in <c>ps</c> and
/// the shell's history for anyone on the machine to see, and says so.
/// </summary>
public static class EnrollCommand
{
    public static Command Create()
    {
        var dispatch = new Option<string>("--dispatch") { Description = "Dispatch's gateway endpoint, e.g. https://dispatch.example:8081 (as in Gateway:Dispatch:Url)", Required = true };
        var tokenFile = new Option<string?>("--token-file")
        {
            Description = "A file holding the enrolment code printed by `homegateway-dispatch gateways enroll GATEWAY_ID` (mode 0600), or - for stdin",
        };
        var token = new Option<string?>("--token")
        {
            Description = "The enrolment code itself, or - to read it from stdin. A code given here shows in `ps` and the shell's history: prefer --token-file",
        };
        var data = new Option<DirectoryInfo?>("--data") { Description = "The gateway's data directory (default: Gateway:DataDirectory from appsettings.json or Gateway__DataDirectory)" };
        var command = new Command("enroll", "Obtain this gateway's certificate from dispatch with a one-time enrolment code") { dispatch, tokenFile, token, data };
        command.SetAction(async (parse, cancel) =>
        {
            // The gateway's key is written here: nothing this process creates is for others to read.
            PrivateFiles.SetProcessUmask();
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var (code, problem) = await ReadCodeAsync(parse.GetValue(token), parse.GetValue(tokenFile), Console.In, error, cancel).ConfigureAwait(false);
            if (code is null)
            {
                await error.WriteLineAsync($"homegateway enroll: {problem}").ConfigureAwait(false);
                return 2;
            }

            var directory = parse.GetValue(data)?.FullName ?? DataDirectoryFromConfiguration();
            if (string.IsNullOrWhiteSpace(directory))
            {
                await error.WriteLineAsync("No data directory: pass --data DIR or set Gateway:DataDirectory").ConfigureAwait(false);
                return 2;
            }

            if (!Uri.TryCreate(parse.GetValue(dispatch), UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http"))
            {
                await error.WriteLineAsync($"--dispatch '{parse.GetValue(dispatch)}' is not a URL like https://dispatch.example:8081").ConfigureAwait(false);
                return 2;
            }

            try
            {
                var enrolled = await DispatchEnrolment.EnrolAsync(url, code, directory, cancel).ConfigureAwait(false);
                await output.WriteLineAsync(
                    $"Enrolled as gateway '{enrolled.GatewayId}' (home '{enrolled.HomeId}') at {url.GetLeftPart(UriPartial.Authority)}: "
                    + $"certificate {enrolled.Serial}, valid until {enrolled.NotAfter:yyyy-MM-dd}; dispatch CA {enrolled.CaFingerprint}. "
                    + $"Credentials are in {directory} ({DispatchCredentials.KeyFileName} is private, mode 0600).").ConfigureAwait(false);
                return 0;
            }
            catch (EnrolmentFailedException ex)
            {
                await error.WriteLineAsync($"homegateway enroll: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"homegateway enroll: cannot write the credentials to {directory}: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }

    /// <summary>The code from exactly one of <c>--token</c> and <c>--token-file</c>, or null and what is wrong.</summary>
    internal static async Task<(string? Code, string? Problem)> ReadCodeAsync(
        string? token, string? tokenFile, TextReader stdin, TextWriter error, CancellationToken cancel)
    {
        if ((token is null) == (tokenFile is null))
        {
            return (null, "give the enrolment code with --token-file FILE (or --token-file - to read it from stdin)");
        }

        string? text;
        if (token == "-" || tokenFile == "-")
        {
            text = await stdin.ReadLineAsync(cancel).ConfigureAwait(false);
        }
        else if (token is not null)
        {
            await error.WriteLineAsync(
                "homegateway enroll: warning: a code given with --token is visible to every user of this machine (ps, /proc) "
                + "and stays in the shell's history; use --token-file FILE or --token - (stdin) instead").ConfigureAwait(false);
            text = token;
        }
        else
        {
            if (!File.Exists(tokenFile))
            {
                return (null, $"--token-file '{tokenFile}' does not exist");
            }

            if (!OperatingSystem.IsWindows()
                && (File.GetUnixFileMode(tokenFile!) & (UnixFileMode.OtherRead | UnixFileMode.GroupRead)) != 0)
            {
                // Whoever reads the code before this gateway uses it can enrol in its name.
                return (null, $"--token-file '{tokenFile}' is readable by other users; make it private first (chmod 600 '{tokenFile}')");
            }

            text = await File.ReadAllTextAsync(tokenFile!, cancel).ConfigureAwait(false);
        }

        var code = text?.Trim();
        return string.IsNullOrEmpty(code) ? (null, "the enrolment code is empty") : (code, null);
    }

    private static string? DataDirectoryFromConfiguration() =>
        new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build()[$"{GatewayOptions.Section}:DataDirectory"];
}
