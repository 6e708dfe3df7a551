using System.Net;
using System.Text.RegularExpressions;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// The MQTT part of <see cref="GatewayOptionsValidator"/>: each problem names the setting to change. Certificate and
/// secret files are opened here, so a wrong file fails at start in the technician's terminal, not at the first connection.
/// </summary>
internal static partial class MqttOptionsValidation
{
    private const string P = "Gateway:Mqtt:";

    public static void AddProblems(GatewayOptions options, List<string> problems)
    {
        var mqtt = options.Mqtt;
        if (mqtt.MaxPayloadBytes is < 1024 or > 16 * 1024 * 1024)
        {
            problems.Add(P + "MaxPayloadBytes must be between 1024 and 16777216");
        }

        if (!mqtt.Enabled)
        {
            return;
        }

        switch (mqtt.Mode)
        {
            case MqttOptions.EmbeddedMode:
                AddEmbeddedProblems(mqtt, problems);
                break;
            case MqttOptions.ExternalMode:
                AddExternalProblems(options, problems);
                break;
            default:
                problems.Add($"{P}Mode '{mqtt.Mode}' is unknown: use '{MqttOptions.EmbeddedMode}' (the gateway is the broker) "
                    + $"or '{MqttOptions.ExternalMode}' (the gateway connects to an existing broker, see Gateway:Mqtt:External)");
                break;
        }
    }

    private static void AddEmbeddedProblems(MqttOptions mqtt, List<string> problems)
    {
        if (mqtt.Port is < 0 or > 65535)
        {
            problems.Add($"{P}Port {mqtt.Port} is not a TCP port");
        }

        if (!IPAddress.TryParse(mqtt.ListenAddress, out _))
        {
            problems.Add($"{P}ListenAddress '{mqtt.ListenAddress}' is not an IP address");
        }

        if (mqtt.MaxConnections is < 1 or > 10_000)
        {
            problems.Add(P + "MaxConnections must be between 1 and 10000");
        }

        if (mqtt.MaxPacketBytes is < 1024 or > 16 * 1024 * 1024)
        {
            problems.Add(P + "MaxPacketBytes must be between 1024 and 16777216");
        }
        else if (mqtt.MaxPacketBytes < mqtt.MaxPayloadBytes)
        {
            problems.Add($"{P}MaxPacketBytes ({mqtt.MaxPacketBytes}) is smaller than {P}MaxPayloadBytes ({mqtt.MaxPayloadBytes}): a payload the input accepts could never arrive; raise MaxPacketBytes");
        }

        if (mqtt.ConnectionAttemptsPerMinute is < 1 or > 10_000)
        {
            problems.Add(P + "ConnectionAttemptsPerMinute must be between 1 and 10000");
        }

        var tls = mqtt.Tls;
        if (tls.Port is not { } tlsPort)
        {
            if (!mqtt.PlainListener)
            {
                problems.Add($"{P}PlainListener is false and {P}Tls:Port is not set: the broker would listen nowhere; set {P}Tls:Port (e.g. 8883) with a certificate");
            }

            return;
        }

        if (tlsPort is < 0 or > 65535)
        {
            problems.Add($"{P}Tls:Port {tlsPort} is not a TCP port");
        }
        else if (mqtt.PlainListener && tlsPort == mqtt.Port && tlsPort != 0)
        {
            problems.Add($"{P}Tls:Port {tlsPort} is also the plain {P}Port; give TLS its own port (8883 is usual)");
        }

        var pem = tls.CertificateFile is { Length: > 0 } || tls.KeyFile is { Length: > 0 };
        var pfx = tls.PfxFile is { Length: > 0 };
        if (pem && pfx)
        {
            problems.Add($"{P}Tls: set either CertificateFile and KeyFile (PEM) or PfxFile, not both");
        }
        else if (!pem && !pfx)
        {
            problems.Add($"{P}Tls:Port is set but there is no certificate: set {P}Tls:CertificateFile and {P}Tls:KeyFile (PEM) or {P}Tls:PfxFile");
        }
        else if (pem && (tls.CertificateFile is not { Length: > 0 } || tls.KeyFile is not { Length: > 0 }))
        {
            problems.Add($"{P}Tls:CertificateFile and {P}Tls:KeyFile go together: set both");
        }
        else if (FilesExist(problems, (P + "Tls:CertificateFile", tls.CertificateFile), (P + "Tls:KeyFile", tls.KeyFile), (P + "Tls:PfxFile", tls.PfxFile), (P + "Tls:PfxPasswordFile", tls.PfxPasswordFile)))
        {
            TryLoad(problems, P + "Tls", () => MqttCertificates.LoadServerCertificate(tls).Dispose());
        }
    }

    private static void AddExternalProblems(GatewayOptions options, List<string> problems)
    {
        const string E = P + "External:";
        var external = options.Mqtt.External;
        if (external.Host is not { Length: > 0 } host || host.Any(char.IsWhiteSpace))
        {
            problems.Add($"{E}Host is required in external mode: the broker's host name or IP address (e.g. the mosquitto Zigbee2MQTT uses)");
            host = "";
        }

        if (external.Port is < 1 or > 65535)
        {
            problems.Add($"{E}Port {external.Port} is not a TCP port");
        }

        var tls = external.Tls;
        if (ExternalBrokerSettings.UsesTls(external))
        {
            if (FilesExist(problems, (E + "Tls:CaFile", tls.CaFile), (E + "Tls:ClientCertificateFile", tls.ClientCertificateFile), (E + "Tls:ClientKeyFile", tls.ClientKeyFile)))
            {
                if (tls.CaFile is { Length: > 0 } ca)
                {
                    TryLoad(problems, E + "Tls:CaFile", () => MqttCertificates.LoadCertificateAuthorities(ca));
                }

                if ((tls.ClientCertificateFile is { Length: > 0 }) != (tls.ClientKeyFile is { Length: > 0 }))
                {
                    problems.Add($"{E}Tls:ClientCertificateFile and {E}Tls:ClientKeyFile go together (mutual TLS): set both or neither");
                }
                else if (tls.ClientCertificateFile is { Length: > 0 } certificate)
                {
                    TryLoad(problems, E + "Tls:ClientCertificateFile", () => MqttCertificates.LoadPemPair(certificate, tls.ClientKeyFile!).Dispose());
                }
            }
        }
        else if (host.Length > 0 && !ExternalBrokerSettings.IsLoopbackHost(host))
        {
            // Sensor messages say when a person is home, in bed or on the floor: they never cross a network unencrypted.
            problems.Add($"{E}Tls:Enabled is false but {E}Host '{host}' is not this machine: sensor messages and alerts would cross the network unencrypted. "
                + $"Set {E}Tls:Enabled to true and {E}Tls:CaFile to the CA of the broker's TLS listener (plain MQTT is allowed on loopback only)");
        }
        else if (tls.CaFile is { Length: > 0 } || tls.ClientCertificateFile is { Length: > 0 })
        {
            problems.Add($"{E}Tls:CaFile / ClientCertificateFile are set but TLS is off ({E}Tls:Enabled is false); remove them or turn TLS on");
        }

        if (external.UserName is not { Length: > 0 })
        {
            problems.Add($"{E}UserName is required: the gateway never logs in anonymously; create a user for it on the broker (mosquitto_passwd)");
        }

        if (external.PasswordFile is { Length: > 0 } || options.DataDirectory is { Length: > 0 })
        {
            var passwordFile = ExternalBrokerSettings.PasswordFile(options);
            if (!File.Exists(passwordFile))
            {
                problems.Add($"{E}PasswordFile {passwordFile} does not exist: save the gateway's broker password there (one line, chmod 600), or point {E}PasswordFile at the file that has it");
            }
            else if (MqttCertificates.IsReadableByOthers(passwordFile))
            {
                problems.Add($"{E}PasswordFile {passwordFile} is readable by every user of the device: chmod 600 it");
            }
            else
            {
                TryLoad(problems, E + "PasswordFile", () => MqttCertificates.ReadSecretFile(passwordFile));
            }
        }

        if (external.ClientId is { } clientId && !ClientIdPattern().IsMatch(clientId))
        {
            problems.Add($"{E}ClientId '{clientId}' must be 1–64 letters, digits, '-', '_', '.' or ':' (or leave it unset for homegateway-<home-id>)");
        }

        if (external.KeepAliveSeconds is < 5 or > 1200)
        {
            problems.Add($"{E}KeepAliveSeconds must be between 5 and 1200");
        }

        if (external.SessionExpirySeconds is < 60 or > 30 * 24 * 60 * 60)
        {
            problems.Add($"{E}SessionExpirySeconds must be between 60 and 2592000 (30 days): the broker keeps the gateway's messages that long while it is away");
        }
    }

    private static bool FilesExist(List<string> problems, params (string Setting, string? File)[] files)
    {
        var ok = true;
        foreach (var (setting, file) in files)
        {
            if (file is { Length: > 0 } && !File.Exists(file))
            {
                problems.Add($"{setting} {file} does not exist");
                ok = false;
            }
        }

        return ok;
    }

    private static void TryLoad(List<string> problems, string setting, Action load)
    {
        try
        {
            load();
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            problems.Add($"{setting}: {ex.Message}");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_.:-]{1,64}$")]
    private static partial Regex ClientIdPattern();
}
