namespace HomeGateway.Gateway;

/// <summary>
/// How this gateway is set up on its device (section "Gateway" of appsettings / environment
/// <c>Gateway__...</c>). The care plan itself lives in the home file, not here. Validated at start.
/// </summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>The home file (YAML care plan).</summary>
    public string HomeFile { get; set; } = "";

    /// <summary>Where the journal and credentials live (systemd's StateDirectory on a device).</summary>
    public string DataDirectory { get; set; } = "";

    /// <summary>
    /// Where the service writes <c>status.json</c> for the technician's commands. Default: systemd's
    /// <c>RUNTIME_DIRECTORY</c> (<c>/run/homegateway</c>, in RAM), else <see cref="DataDirectory"/>.
    /// </summary>
    public string? RuntimeDirectory { get; set; }

    /// <summary>The gateway's id at dispatch. Defaults to the home id.</summary>
    public string? GatewayId { get; set; }

    public DispatchLinkOptions Dispatch { get; set; } = new();

    public MqttOptions Mqtt { get; set; } = new();

    public GpioOptions Gpio { get; set; } = new();

    public FeedbackOptions Feedback { get; set; } = new();

    public HomeAssistantOptions HomeAssistant { get; set; } = new();
}

/// <summary>Home Assistant MQTT discovery of the gateway's alert and status entities, on the home's broker. Off by default.</summary>
public sealed class HomeAssistantOptions
{
    public bool Enabled { get; set; }

    /// <summary>Home Assistant's discovery prefix (its MQTT integration setting).</summary>
    public string DiscoveryPrefix { get; set; } = "homeassistant";
}

/// <summary>The client's status LED and buzzer, wired to GPIO outputs (BCM numbers). Unset: not fitted.</summary>
public sealed class FeedbackOptions
{
    public int? LedPin { get; set; }

    public int? BuzzerPin { get; set; }

    /// <summary>True when the outputs are driven low to switch on (e.g. through a PNP transistor or to 3.3 V).</summary>
    public bool ActiveLow { get; set; }
}

/// <summary>The uplink to dispatch.</summary>
public sealed class DispatchLinkOptions
{
    /// <summary>Dispatch's gRPC address, e.g. <c>http://127.0.0.1:5081</c>. Empty: run offline (journal only).</summary>
    public string? Url { get; set; }

    /// <summary>File holding this gateway's credential issued by dispatch. Default: DataDirectory/dispatch-token.</summary>
    public string? TokenFile { get; set; }

    public int HeartbeatSeconds { get; set; } = 20;
}

/// <summary>The embedded MQTT broker that sensors (Zigbee2MQTT, the dispenser) publish to.</summary>
public sealed class MqttOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Address to listen on. Loopback by default: a LAN-facing broker must be chosen on purpose.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 1883;

    /// <summary>Per-device MQTT credentials (hashed). Default: DataDirectory/mqtt-users.</summary>
    public string? CredentialsFile { get; set; }

    public int MaxPayloadBytes { get; set; } = 64 * 1024;

    public int MaxConnections { get; set; } = 64;
}

/// <summary>GPIO inputs.</summary>
public sealed class GpioOptions
{
    /// <summary>
    /// <c>auto</c> (libgpiod v2 when <c>libgpiod.so.3</c> loads, else v1 with <c>libgpiod.so.2</c>), <c>libgpiod</c> (v1),
    /// <c>libgpiodv2</c>, <c>sysfs</c> (no pull resistors; a last resort) or <c>simulated</c> (a virtual pin bank, for demos and tests).
    /// </summary>
    public string Driver { get; set; } = "auto";

    /// <summary>
    /// The GPIO chip of the 40-pin header: <c>auto</c> (found by label, else line count — never by number, which changes
    /// between kernels on a Pi 5) or a chip label such as <c>pinctrl-rp1</c>.
    /// </summary>
    public string Chip { get; set; } = "auto";

    /// <summary>
    /// With the simulated driver: a directory with one file per pin (<c>17</c> holding <c>0</c> or <c>1</c>),
    /// the way sysfs shows pins, so a separate simulator process can drive them.
    /// </summary>
    public string? SimulatedPinDirectory { get; set; }
}
