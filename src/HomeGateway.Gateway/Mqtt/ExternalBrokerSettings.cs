using System.Net;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>The external-mode settings with their defaults applied (TLS unless loopback, port by TLS, files in the data directory).</summary>
internal static class ExternalBrokerSettings
{
    public const string DefaultPasswordFileName = "mqtt-external-password";
    public const int PlainPort = 1883;
    public const int TlsPort = 8883;

    public static bool IsLoopbackHost(string? host) =>
        host is { Length: > 0 }
        && (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address)));

    public static bool UsesTls(ExternalBrokerOptions options) => options.Tls.Enabled ?? !IsLoopbackHost(options.Host);

    public static int Port(ExternalBrokerOptions options) => options.Port ?? (UsesTls(options) ? TlsPort : PlainPort);

    public static string PasswordFile(GatewayOptions options) =>
        options.Mqtt.External.PasswordFile is { Length: > 0 } file ? file : Path.Combine(options.DataDirectory, DefaultPasswordFileName);

    /// <summary>Stable across restarts on purpose: the broker keeps the persistent session under this id.</summary>
    public static string ClientId(ExternalBrokerOptions options, string homeId) =>
        options.ClientId is { Length: > 0 } id ? id : "homegateway-" + homeId;
}
