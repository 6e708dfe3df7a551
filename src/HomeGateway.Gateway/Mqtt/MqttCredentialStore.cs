using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// The broker's device users, one line per user in a file only the gateway's user can read:
/// <c>name:hg1$pbkdf2-sha256$&lt;iterations&gt;$&lt;salt, base64&gt;$&lt;hash, base64&gt;</c>, then, tab-separated, the
/// login's permissions: <c>role=ROLE</c> and one <c>read|write|readwrite PATTERN</c> per rule (<see cref="MqttPermissions"/>).
/// A line without them was written before logins had permissions and gets <see cref="MqttRoles.ForLegacyLogin"/>.
/// The password is never stored: a stolen file does not let anyone connect. <c>hg1</c> versions the format.
/// The file is re-read when it changes, so a user added with <c>homegateway mqtt users add</c> can
/// connect without a restart.
/// </summary>
public sealed partial class MqttCredentialStore(string path)
{
    public const string FormatPrefix = "hg1$pbkdf2-sha256$";

    // The passwords are 256 random bits, so stretching adds nothing against guessing; the iteration count only
    // keeps the format honest for the day a human-chosen password appears. Kept low for a Pi's connect path.
    private const int Iterations = 10_000;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;
    private const int PasswordBytes = 32;

    private static readonly byte[] DummySalt = new byte[SaltBytes];
    private static readonly byte[] DummyHash = new byte[HashBytes];

    private readonly Lock _gate = new();
    private Dictionary<string, StoredHash> _users = new(StringComparer.Ordinal);
    private DateTime _loadedWriteTime = DateTime.MinValue;
    private long _loadedLength = -1;

    public string Path { get; } = path;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex UserName();

    public static bool IsValidUserName(string name) => UserName().IsMatch(name);

    /// <summary>
    /// Creates <paramref name="name"/> with a new random password, or gives an existing user a new one
    /// (the old password stops working). Returns the password: it is shown once and never stored.
    /// </summary>
    public string AddUser(string name, MqttPermissions permissions)
    {
        if (!IsValidUserName(name))
        {
            throw new ArgumentException($"'{name}' is not a valid MQTT user name: use letters, digits, '_', '.' or '-' (at most 64, starting with a letter or digit)", nameof(name));
        }

        ThrowIfInvalid(permissions);
        var password = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(PasswordBytes));
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Derive(password, salt, Iterations);
        var line = $"{name}:{FormatPrefix}{Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}" + PermissionFields(permissions);

        lock (_gate)
        {
            var lines = File.Exists(Path) ? File.ReadAllLines(Path).ToList() : [];
            var at = lines.FindIndex(l => l.StartsWith(name + ":", StringComparison.Ordinal));
            if (at >= 0)
            {
                lines[at] = line;
            }
            else
            {
                lines.Add(line);
            }

            WriteAtomically(lines);
            _loadedLength = -1;
        }

        return password;
    }

    /// <summary>Gives an existing login new permissions and keeps its password. False when there is no such login.</summary>
    public bool SetPermissions(string name, MqttPermissions permissions)
    {
        ThrowIfInvalid(permissions);
        lock (_gate)
        {
            var lines = File.Exists(Path) ? File.ReadAllLines(Path).ToList() : [];
            var at = lines.FindIndex(l => l.StartsWith(name + ":", StringComparison.Ordinal));
            if (at < 0 || !TryParse(lines[at], out _, out _))
            {
                return false;
            }

            var tab = lines[at].IndexOf('\t', StringComparison.Ordinal);
            lines[at] = (tab < 0 ? lines[at] : lines[at][..tab]) + PermissionFields(permissions);
            WriteAtomically(lines);
            _loadedLength = -1;
            return true;
        }
    }

    /// <summary>What <paramref name="name"/> may publish and subscribe to; null for a login that does not exist.</summary>
    public MqttPermissions? PermissionsOf(string name) => Current().TryGetValue(name, out var stored) ? stored.Permissions : null;

    /// <summary>Every login with its permissions, by name.</summary>
    public IReadOnlyList<(string Name, MqttPermissions Permissions)> Logins() =>
        [.. Current().OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, p.Value.Permissions))];

    private static void ThrowIfInvalid(MqttPermissions permissions)
    {
        if (!MqttRoles.Names.Contains(permissions.Role, StringComparer.Ordinal) && permissions.Role != MqttRoles.Custom)
        {
            throw new ArgumentException($"'{permissions.Role}' is not a role: use one of {string.Join(", ", MqttRoles.Names)}");
        }

        foreach (var rule in permissions.Rules)
        {
            if (MqttTopicRule.ProblemWith(rule.Pattern) is { } problem)
            {
                throw new ArgumentException($"'{Core.Text.PeerText.Escape(rule.Pattern)}': {problem}");
            }
        }
    }

    private static string PermissionFields(MqttPermissions permissions) =>
        "\trole=" + permissions.Role + string.Concat(permissions.Rules.Select(r => "\t" + r));

    /// <summary>True when <paramref name="password"/> is <paramref name="name"/>'s. Takes the same time whether or not the user exists.</summary>
    public bool Verify(string? name, string? password)
    {
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(password))
        {
            return false;
        }

        var users = Current();
        if (!users.TryGetValue(name, out var stored))
        {
            // Spend the same work so a refusal does not tell which user names exist.
            CryptographicOperations.FixedTimeEquals(Derive(password, DummySalt, Iterations), DummyHash);
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Derive(password, stored.Salt, stored.Iterations), stored.Hash);
    }

    /// <summary>The user names in the file.</summary>
    public IReadOnlyCollection<string> UserNames => Current().Keys;

    /// <summary>Reads the file again if it changed (what every login check does); for reporting its state.</summary>
    public void Refresh() => Current();

    /// <summary>Line numbers (1-based) the last load could not read, so the broker can say so.</summary>
    public IReadOnlyList<int> InvalidLines { get; private set; } = [];

    /// <summary>Logins of the last load that have no stored permissions (written before they existed).</summary>
    public IReadOnlyList<string> LegacyLogins { get; private set; } = [];

    /// <summary>Goes up each time the file is (re)read, so the broker can report a new file's problems once.</summary>
    public int Generation { get; private set; }

    private Dictionary<string, StoredHash> Current()
    {
        lock (_gate)
        {
            var info = new FileInfo(Path);
            if (!info.Exists)
            {
                _users = new(StringComparer.Ordinal);
                _loadedLength = -1;
                return _users;
            }

            if (info.LastWriteTimeUtc == _loadedWriteTime && info.Length == _loadedLength)
            {
                return _users;
            }

            var users = new Dictionary<string, StoredHash>(StringComparer.Ordinal);
            var invalid = new List<int>();
            var lines = File.ReadAllLines(Path);
            for (var i = 0; i < lines.Length; i++)
            {
                if (string.IsNullOrWhiteSpace(lines[i]) || lines[i].StartsWith('#'))
                {
                    continue;
                }

                if (TryParse(lines[i], out var name, out var stored) && !users.ContainsKey(name))
                {
                    users[name] = stored;
                }
                else
                {
                    invalid.Add(i + 1);
                }
            }

            _users = users;
            InvalidLines = invalid;
            LegacyLogins = [.. users.Where(u => u.Value.Permissions.Legacy).Select(u => u.Key).Order(StringComparer.Ordinal)];
            Generation++;
            _loadedWriteTime = info.LastWriteTimeUtc;
            _loadedLength = info.Length;
            return _users;
        }
    }

    private static bool TryParse(string line, out string name, out StoredHash stored)
    {
        name = "";
        stored = default!;
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !line.AsSpan(colon + 1).StartsWith(FormatPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        name = line[..colon];
        var fields = line[(colon + 1 + FormatPrefix.Length)..].Split('\t');
        var parts = fields[0].Split('$');
        if (parts.Length != 3 || !int.TryParse(parts[0], out var iterations) || iterations is < 1 or > 10_000_000)
        {
            return false;
        }

        MqttPermissions permissions;
        if (fields.Length == 1)
        {
            permissions = MqttRoles.ForLegacyLogin(name);
        }
        else if (TryParsePermissions(fields.AsSpan(1)) is { } parsed)
        {
            permissions = parsed;
        }
        else
        {
            // Unreadable permissions are not read as "none" or "legacy": the line is refused and the broker says so (2140).
            return false;
        }

        try
        {
            stored = new StoredHash(iterations, Convert.FromBase64String(parts[1]), Convert.FromBase64String(parts[2]), permissions);
        }
        catch (FormatException)
        {
            return false;
        }

        return stored.Hash.Length == HashBytes && IsValidUserName(name);
    }

    private static MqttPermissions? TryParsePermissions(ReadOnlySpan<string> fields)
    {
        if (fields.Length == 0 || !fields[0].StartsWith("role=", StringComparison.Ordinal))
        {
            return null;
        }

        var role = fields[0]["role=".Length..];
        var rules = new List<MqttTopicRule>();
        foreach (var field in fields[1..])
        {
            var space = field.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0)
            {
                return null;
            }

            MqttAccess? access = field[..space] switch
            {
                "read" => MqttAccess.Read,
                "write" => MqttAccess.Write,
                "readwrite" => MqttAccess.ReadWrite,
                _ => null,
            };
            var pattern = field[(space + 1)..];
            if (access is null || MqttTopicRule.ProblemWith(pattern) is not null)
            {
                return null;
            }

            rules.Add(new MqttTopicRule(access.Value, pattern));
        }

        return new MqttPermissions(role, rules);
    }

    private void WriteAtomically(List<string> lines)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
        Directory.CreateDirectory(directory);
        var temp = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(Path)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Created 0600 from the start: there is no moment when another user could read it.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temp, options))
            using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
            {
                foreach (var l in lines)
                {
                    writer.Write(l);
                    writer.Write('\n');
                }

                writer.Flush();
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, Path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);

    private sealed record StoredHash(int Iterations, byte[] Salt, byte[] Hash, MqttPermissions Permissions);
}
