using System.Net;
using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway;

/// <summary>
/// Checks the device settings when the service starts, so a wrong install fails loudly in the technician's
/// terminal instead of quietly at 3 a.m. Every problem is reported at once.
/// </summary>
public sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.HomeFile))
        {
            problems.Add("Gateway:HomeFile is required: the path of the home's YAML file");
        }

        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            problems.Add("Gateway:DataDirectory is required: where the journal and credentials are kept");
        }

        if (options.Dispatch.Url is { Length: > 0 } url)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                problems.Add($"Gateway:Dispatch:Url '{url}' is not an http(s) URL");
            }
            else if (uri.Scheme == Uri.UriSchemeHttp)
            {
                // Alerts carry health data about a person, and the gateway proves who it is with its TLS certificate.
                problems.Add(IsLoopback(uri)
                    ? $"Gateway:Dispatch:Url '{url}' is plain http; dispatch serves gateways over TLS only: use https://"
                    : $"Gateway:Dispatch:Url '{url}' is plain http to another machine; use https://");
            }

            if (!string.IsNullOrWhiteSpace(options.DataDirectory) && Uplink.DispatchCredentials.Missing(options.DataDirectory) is { Count: > 0 } missing)
            {
                problems.Add($"Gateway:Dispatch:Url is set but the gateway's dispatch credential is missing ({string.Join(", ", missing)}); "
                    + "enrol it: `homegateway-dispatch gateways enroll GATEWAY_ID --home HOME_ID` on dispatch, then "
                    + "`homegateway enroll --dispatch URL --token-file -` here");
            }
        }

        if (options.Dispatch.HeartbeatSeconds is < 5 or > 300)
        {
            problems.Add("Gateway:Dispatch:HeartbeatSeconds must be between 5 and 300");
        }

        if (options.Dispatch.BatchWindowMilliseconds is < 0 or > 5000)
        {
            problems.Add($"Gateway:Dispatch:BatchWindowMilliseconds must be between 0 and 5000 (is {options.Dispatch.BatchWindowMilliseconds})");
        }

        if (options.Journal.RepeatInterval < TimeSpan.Zero || options.Journal.RepeatInterval > Pipeline.RepeatedReports.MaxInterval)
        {
            problems.Add($"Gateway:Journal:RepeatInterval {options.Journal.RepeatInterval} is outside 00:00:00 (journal every report) .. {Pipeline.RepeatedReports.MaxInterval}; the default is {Pipeline.RepeatedReports.DefaultInterval}");
        }

        if (options.Journal.CommitSpacing < TimeSpan.Zero || options.Journal.CommitSpacing > JournalOptions.MaxCommitSpacing)
        {
            problems.Add($"Gateway:Journal:CommitSpacing {options.Journal.CommitSpacing} is outside 00:00:00 (commit every event at once) .. {JournalOptions.MaxCommitSpacing}; the default is {JournalOptions.DefaultCommitSpacing}");
        }

        if (options.Journal.MarkInterval < JournalOptions.MinMarkInterval || options.Journal.MarkInterval > JournalOptions.MaxMarkInterval)
        {
            problems.Add($"Gateway:Journal:MarkInterval {options.Journal.MarkInterval} is outside {JournalOptions.MinMarkInterval} .. {JournalOptions.MaxMarkInterval}; the default is {Journal.Journal.MarkInterval}");
        }

        if (options.Journal.MaxBytes < JournalOptions.MinMaxBytes)
        {
            problems.Add($"Gateway:Journal:MaxBytes {options.Journal.MaxBytes} is below the minimum of {JournalOptions.MinMaxBytes} (1 MiB); the default is {JournalOptions.DefaultMaxBytes} (256 MiB)");
        }

        Mqtt.MqttOptionsValidation.AddProblems(options, problems);

        foreach (var (setting, pin) in new[] { ("LedPin", options.Feedback.LedPin), ("BuzzerPin", options.Feedback.BuzzerPin) })
        {
            if (pin is < 0 or > 27)
            {
                problems.Add($"Gateway:Feedback:{setting} {pin} is not a BCM GPIO number on the header (0–27)");
            }
        }

        if (options.Feedback.LedPin is { } led && led == options.Feedback.BuzzerPin)
        {
            problems.Add($"Gateway:Feedback:LedPin and BuzzerPin are both {led}");
        }

        // Gateway:Gpio:* is checked by Gpio/GpioOptionsValidator.
        var prefix = options.HomeAssistant.DiscoveryPrefix;
        if (options.HomeAssistant.Enabled
            && (string.IsNullOrWhiteSpace(prefix) || prefix.IndexOfAny(['#', '+', ' ']) >= 0 || prefix.StartsWith('/') || prefix.EndsWith('/')))
        {
            problems.Add($"Gateway:HomeAssistant:DiscoveryPrefix '{prefix}' is not a topic prefix: no wildcards, spaces or leading/trailing '/' (Home Assistant's default is 'homeassistant')");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    internal static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
