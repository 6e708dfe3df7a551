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

    public JournalOptions Journal { get; set; } = new();

    public TelemetryOptions Telemetry { get; set; } = new();
}

/// <summary>The journal and outbox (<c>DataDirectory/journal.db</c>).</summary>
public sealed class JournalOptions
{
    public const long DefaultMaxBytes = 256L * 1024 * 1024;

    /// <summary>Below this the budget would be spent on SQLite's own pages and a few hours of telemetry.</summary>
    public const long MinMaxBytes = 1024L * 1024;

    /// <summary>
    /// The disk the journal may use while dispatch is unreachable. When it is reached the oldest unacknowledged sensor
    /// events (telemetry) are dropped, and dispatch is told how many (a telemetry gap). Alert steps are never dropped,
    /// even past this budget.
    /// </summary>
    public long MaxBytes { get; set; } = DefaultMaxBytes;

    /// <summary>
    /// How long a journalled report stands for unchanged repeats of it (a radar's "detected" every 5 s, a detector's
    /// "clear" check-in): they are decided by the rules but not journalled again until this has passed. Zero journals
    /// every report. At most an hour (<see cref="Pipeline.RepeatedReports"/>).
    /// </summary>
    public TimeSpan RepeatInterval { get; set; } = Pipeline.RepeatedReports.DefaultInterval;

    /// <summary>
    /// How often at most a sensor event's commit also writes dispatch's acknowledgement and the rules' state when they
    /// decided no alert (each a page on the card). A power cut loses at most this much of them, which costs a resend
    /// and a second decision, never an alert (Journal README). 1 s .. 10 min; the default is 5 min.
    /// </summary>
    public TimeSpan MarkInterval { get; set; } = Journal.Journal.MarkInterval;

    public static readonly TimeSpan MinMarkInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long after a commit sensor events that decided no alert are held for company before they are committed (and
    /// their senders told: an MQTT PUBACK waits for it). The first event after a quiet spell and every alert step commit at
    /// once; a busy home's events share commits, each an fsync and a rewrite of the same pages on the card. Zero commits
    /// every event at once. 0 .. 1 s; the default is 100 ms.
    /// </summary>
    public TimeSpan CommitSpacing { get; set; } = DefaultCommitSpacing;

    public static readonly TimeSpan DefaultCommitSpacing = TimeSpan.FromMilliseconds(100);

    public static readonly TimeSpan MaxCommitSpacing = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxMarkInterval = TimeSpan.FromMinutes(10);
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
    /// <summary>
    /// Dispatch's gateway endpoint, e.g. <c>https://dispatch.example:8081</c>. Empty: run offline (journal only).
    /// The gateway authenticates with the certificate <c>homegateway enroll</c> stored in DataDirectory.
    /// </summary>
    public string? Url { get; set; }

    public int HeartbeatSeconds { get; set; } = 20;

    /// <summary>
    /// How long a record may wait on the gateway for others to go in the same uplink message (0–5000 ms; 0 sends each
    /// as soon as it is journalled). An alert step of critical or high priority never waits: it goes at once, with every
    /// record before it. Used only with a dispatch that takes record batches.
    /// </summary>
    public int BatchWindowMilliseconds { get; set; } = 250;
}

/// <summary>
/// How sensors reach the gateway over MQTT: the embedded broker (default) or, in <c>external</c> mode, as a client of a
/// broker that is already in the home (the mosquitto Zigbee2MQTT uses).
/// </summary>
public sealed class MqttOptions
{
    public const string EmbeddedMode = "embedded";
    public const string ExternalMode = "external";

    /// <summary>False: no MQTT at all (GPIO sensors only).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary><c>embedded</c>: the gateway is the broker. <c>external</c>: it listens on nothing and connects to <see cref="External"/>.</summary>
    public string Mode { get; set; } = EmbeddedMode;

    /// <summary>Embedded broker: address to listen on. Loopback by default: a LAN-facing broker must be chosen on purpose.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>Embedded broker: the plain MQTT port.</summary>
    public int Port { get; set; } = 1883;

    /// <summary>Embedded broker: false turns the plain listener off (then only <see cref="Tls"/> listens).</summary>
    public bool PlainListener { get; set; } = true;

    /// <summary>Embedded broker: the optional TLS listener.</summary>
    public MqttListenerTlsOptions Tls { get; set; } = new();

    /// <summary>Embedded broker: per-device MQTT credentials (hashed). Default: DataDirectory/mqtt-users.</summary>
    public string? CredentialsFile { get; set; }

    public int MaxPayloadBytes { get; set; } = 64 * 1024;

    /// <summary>Embedded broker: clients connected at once; one more is refused with QuotaExceeded (MQTT 5) or ServerUnavailable (3.1.1).</summary>
    public int MaxConnections { get; set; } = 64;

    /// <summary>
    /// Embedded broker: the largest MQTT packet a logged-in client may send (fixed header included); a larger one ends its
    /// connection before it is read. Before login the limit is 8 KiB whatever this says.
    /// </summary>
    public int MaxPacketBytes { get; set; } = 256 * 1024;

    /// <summary>Embedded broker: TCP connections one source address may open a minute (after a burst of as many).</summary>
    public int ConnectionAttemptsPerMinute { get; set; } = 30;

    /// <summary>External mode: the broker to connect to.</summary>
    public ExternalBrokerOptions External { get; set; } = new();

    public bool IsExternal => string.Equals(Mode, ExternalMode, StringComparison.Ordinal);
}

/// <summary>The embedded broker's TLS listener. Off while <see cref="Port"/> is unset.</summary>
public sealed class MqttListenerTlsOptions
{
    /// <summary>e.g. 8883. Unset: no TLS listener. 0 picks a free port (tests).</summary>
    public int? Port { get; set; }

    /// <summary>The server certificate (PEM), with <see cref="KeyFile"/>; or use <see cref="PfxFile"/>.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>The certificate's private key (PEM, PKCS#8 or PKCS#1/SEC1).</summary>
    public string? KeyFile { get; set; }

    /// <summary>Certificate and key in one PKCS#12 file, instead of the two PEM files.</summary>
    public string? PfxFile { get; set; }

    /// <summary>A file holding the PFX's password (never the password itself in settings). Unset: the PFX has none.</summary>
    public string? PfxPasswordFile { get; set; }
}

/// <summary>External mode: the broker the gateway is a client of.</summary>
public sealed class ExternalBrokerOptions
{
    public string? Host { get; set; }

    /// <summary>Unset: 8883 with TLS, 1883 without.</summary>
    public int? Port { get; set; }

    public ExternalBrokerTlsOptions Tls { get; set; } = new();

    /// <summary>The gateway's user on the broker; anonymous login is never used.</summary>
    public string? UserName { get; set; }

    /// <summary>A file holding the password (mode 0600). Default: DataDirectory/mqtt-external-password.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>Default <c>homegateway-&lt;home-id&gt;</c>. Must stay the same across restarts: the broker keeps the session under it.</summary>
    public string? ClientId { get; set; }

    /// <summary>MQTT keep-alive; the supervision loop also pings at this interval to find half-open links.</summary>
    public int KeepAliveSeconds { get; set; } = 30;

    /// <summary>How long the broker keeps the gateway's session (subscriptions and queued QoS 1 messages) while it is away.</summary>
    public int SessionExpirySeconds { get; set; } = 24 * 60 * 60;
}

/// <summary>External mode: TLS towards the broker.</summary>
public sealed class ExternalBrokerTlsOptions
{
    /// <summary>Unset: on, unless the host is loopback. Off towards another machine is refused at start.</summary>
    public bool? Enabled { get; set; }

    /// <summary>The CA that signed the broker's certificate (PEM). Unset: the system's trusted roots.</summary>
    public string? CaFile { get; set; }

    /// <summary>Mutual TLS: the gateway's client certificate (PEM), with <see cref="ClientKeyFile"/>.</summary>
    public string? ClientCertificateFile { get; set; }

    public string? ClientKeyFile { get; set; }
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
