using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway;

/// <summary>
/// Telemetry to InfluxDB (<c>Gateway:Telemetry</c>): sensor readings and gateway health as line protocol. Off by default.
/// Never part of the alarm path: points wait in a bounded buffer and the oldest are dropped when InfluxDB is away too long.
/// </summary>
public sealed class TelemetryOptions
{
    public const string V1 = "v1";
    public const string V2 = "v2";

    public bool Enabled { get; set; }

    /// <summary>InfluxDB's base URL, e.g. <c>https://influx.example:8086</c>. Plain http only to this machine (loopback).</summary>
    public string? Url { get; set; }

    /// <summary><c>v1</c> (<c>/write?db=</c>, InfluxDB 1.x and 3) or <c>v2</c> (<c>/api/v2/write?org=&amp;bucket=</c>, InfluxDB 2 and 3).</summary>
    public string Version { get; set; } = V1;

    /// <summary>v1: the database.</summary>
    public string? Database { get; set; }

    /// <summary>v2: the organisation and bucket.</summary>
    public string? Org { get; set; }

    public string? Bucket { get; set; }

    /// <summary>
    /// A file with the credentials (never the credentials themselves in settings): v1 — one line <c>user:password</c>
    /// (unset: no authentication); v2 — the API token (required).
    /// </summary>
    public string? CredentialsFile { get; set; }

    /// <summary>Lines per write request; InfluxDB recommends about 5,000.</summary>
    public int BatchSize { get; set; } = 5000;

    /// <summary>How long points may wait to fill a batch before they are written anyway.</summary>
    public double FlushIntervalSeconds { get; set; } = 10;

    /// <summary>Points kept while InfluxDB is unreachable; beyond it the oldest are dropped (and counted).</summary>
    public int BufferSize { get; set; } = 50_000;

    /// <summary>How often a gateway health point (CPU temperature, memory, outbox, uplink) is written.</summary>
    public int HealthIntervalSeconds { get; set; } = 60;

    public bool IsV2 => string.Equals(Version, V2, StringComparison.Ordinal);
}

/// <summary>Checks <c>Gateway:Telemetry</c> at start, every problem at once, in words a technician can act on.</summary>
public sealed class TelemetryOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var problems = Check(options.Telemetry);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    public static List<string> Check(TelemetryOptions telemetry)
    {
        var problems = new List<string>();
        if (!telemetry.Enabled)
        {
            return problems;
        }

        if (!Uri.TryCreate(telemetry.Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            problems.Add($"Gateway:Telemetry:Url '{telemetry.Url}' is not an http(s) URL; it is InfluxDB's address, e.g. https://influx.example:8086");
        }
        else if (uri.UserInfo.Length > 0)
        {
            // The URL is logged and shown in status.json; a secret in it would leak there.
            problems.Add("Gateway:Telemetry:Url must not contain a user or password; put them in Gateway:Telemetry:CredentialsFile");
        }
        else if (uri.Scheme == Uri.UriSchemeHttp && !GatewayOptionsValidator.IsLoopback(uri))
        {
            // The points say when a client's door opened and whether they are in bed: never in clear over a network.
            problems.Add($"Gateway:Telemetry:Url '{telemetry.Url}' is plain http to another machine; use https://");
        }

        if (telemetry.Version == TelemetryOptions.V1)
        {
            if (string.IsNullOrWhiteSpace(telemetry.Database))
            {
                problems.Add("Gateway:Telemetry:Database is required with Version v1: the InfluxDB database to write to");
            }
        }
        else if (telemetry.Version == TelemetryOptions.V2)
        {
            if (string.IsNullOrWhiteSpace(telemetry.Org) || string.IsNullOrWhiteSpace(telemetry.Bucket))
            {
                problems.Add("Gateway:Telemetry:Org and Gateway:Telemetry:Bucket are required with Version v2");
            }

            if (string.IsNullOrWhiteSpace(telemetry.CredentialsFile))
            {
                problems.Add("Gateway:Telemetry:CredentialsFile is required with Version v2: a file holding the InfluxDB API token");
            }
        }
        else
        {
            problems.Add($"Gateway:Telemetry:Version '{telemetry.Version}' is unknown; use v1 (InfluxDB 1.x) or v2 (InfluxDB 2)");
        }

        if (telemetry.CredentialsFile is { Length: > 0 } file && !File.Exists(file))
        {
            problems.Add($"Gateway:Telemetry:CredentialsFile '{file}' does not exist");
        }

        if (telemetry.BatchSize is < 1 or > 10_000)
        {
            problems.Add("Gateway:Telemetry:BatchSize must be between 1 and 10000 (about 5000 is what InfluxDB recommends)");
        }

        if (telemetry.BufferSize < telemetry.BatchSize || telemetry.BufferSize > 1_000_000)
        {
            problems.Add("Gateway:Telemetry:BufferSize must be at least BatchSize and at most 1000000 (points kept in memory while InfluxDB is away)");
        }

        if (!(telemetry.FlushIntervalSeconds is >= 0.05 and <= 300))
        {
            problems.Add("Gateway:Telemetry:FlushIntervalSeconds must be between 0.05 and 300");
        }

        if (telemetry.HealthIntervalSeconds is < 1 or > 3600)
        {
            problems.Add("Gateway:Telemetry:HealthIntervalSeconds must be between 1 and 3600");
        }

        return problems;
    }
}
