using System.CommandLine;
using HomeGateway.Gateway.Uplink;
using Microsoft.Extensions.Configuration;

namespace HomeGateway.Gateway.Cli;

/// <summary>
/// <c>homegateway enroll --dispatch URL --token CODE [--data DIR]</c>: obtains this gateway's certificate from
/// dispatch with a one-time enrolment code (see <see cref="DispatchEnrolment"/>). Exit 0 enrolled, 1 refused or
/// unreachable (the message says which), 2 misuse. A running service picks the new certificate up by itself.
/// </summary>
public static class EnrollCommand
{
    public static Command Create()
    {
        var dispatch = new Option<string>("--dispatch") { Description = "Dispatch's gateway endpoint, e.g. https://dispatch.example:8081 (as in Gateway:Dispatch:Url)", Required = true };
        var token = new Option<string>("--token") { Description = "The enrolment code printed by `homegateway-dispatch gateways enroll GATEWAY_ID`", Required = true };
        var data = new Option<DirectoryInfo?>("--data") { Description = "The gateway's data directory (default: Gateway:DataDirectory from appsettings.json or Gateway__DataDirectory)" };
        var command = new Command("enroll", "Obtain this gateway's certificate from dispatch with a one-time enrolment code") { dispatch, token, data };
        command.SetAction(async (parse, cancel) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
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
                var enrolled = await DispatchEnrolment.EnrolAsync(url, parse.GetValue(token)!, directory, cancel).ConfigureAwait(false);
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

    private static string? DataDirectoryFromConfiguration() =>
        new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build()[$"{GatewayOptions.Section}:DataDirectory"];
}
