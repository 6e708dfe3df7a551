using System.CommandLine;
using HomeGateway.Core.Text;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// <c>homegateway mqtt users add|set|list|show</c>: the embedded broker's logins and what each may publish and subscribe to.
/// <c>add</c> prints only the password on stdout, so an install script can capture it
/// (<c>pw=$(homegateway mqtt users add z2m --role zigbee2mqtt)</c>); everything meant for the person goes to stderr.
/// </summary>
public static class MqttCommands
{
    /// <summary>The credentials file name inside the data directory.</summary>
    public const string DefaultCredentialsFileName = "mqtt-users";

    /// <summary>The <c>mqtt</c> command with its subcommands, for the CLI's root command.</summary>
    public static Command Create()
    {
        var credentials = new Option<FileInfo?>("--credentials")
        {
            Description = "The broker's credentials file (default: <data>/mqtt-users)",
        };
        var data = new Option<DirectoryInfo?>("--data")
        {
            Description = "The gateway's data directory (Gateway:DataDirectory)",
        };
        var name = new Argument<string>("NAME") { Description = "The login, e.g. zigbee2mqtt, a device's name, or homeassistant" };
        var role = new Option<string?>("--role")
        {
            Description = $"What the login is for: {string.Join(", ", MqttRoles.Names)} (default: the role named like NAME, else only the --allow rules)",
        };
        var baseTopic = new Option<string?>("--base-topic")
        {
            Description = "Role zigbee2mqtt: Zigbee2MQTT's base_topic (default zigbee2mqtt)",
        };
        var allowPublish = new Option<string[]>("--allow-publish")
        {
            Description = "Also allow publishing on this topic pattern (+ one level, # the rest, %u the login, %c the client id); repeatable",
            AllowMultipleArgumentsPerToken = false,
        };
        var allowSubscribe = new Option<string[]>("--allow-subscribe")
        {
            Description = "Also allow subscribing to (reading) this topic pattern; repeatable",
            AllowMultipleArgumentsPerToken = false,
        };

        var add = new Command("add", "Create a login (or replace its password and permissions) and print the new password")
        {
            name, role, baseTopic, allowPublish, allowSubscribe, credentials, data,
        };
        add.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            if (StorePath(parseResult, credentials, data, error) is not { } path
                || ValidName(parseResult.GetValue(name)!, error) is not { } user
                || Permissions(parseResult, user, role, baseTopic, allowPublish, allowSubscribe, error) is not { } permissions)
            {
                return 2;
            }

            var password = new MqttCredentialStore(path).AddUser(user, permissions);
            error.WriteLine($"MQTT login '{user}' saved in {path} with role {permissions.Describe()}. Its password is below; it is shown only this once.");
            output.WriteLine(password);
            return 0;
        });

        var set = new Command("set", "Give an existing login new permissions (its password stays)")
        {
            name, role, baseTopic, allowPublish, allowSubscribe, credentials, data,
        };
        set.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            if (StorePath(parseResult, credentials, data, error) is not { } path
                || ValidName(parseResult.GetValue(name)!, error) is not { } user
                || Permissions(parseResult, user, role, baseTopic, allowPublish, allowSubscribe, error) is not { } permissions)
            {
                return 2;
            }

            if (!new MqttCredentialStore(path).SetPermissions(user, permissions))
            {
                error.WriteLine($"There is no login '{user}' in {path}: create it with 'homegateway mqtt users add {user}'.");
                return 1;
            }

            output.WriteLine($"{user}: {permissions.Describe()}");
            return 0;
        });

        var list = new Command("list", "Every login with its role and permissions") { credentials, data };
        list.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            if (StorePath(parseResult, credentials, data, error) is not { } path)
            {
                return 2;
            }

            var store = new MqttCredentialStore(path);
            foreach (var (login, permissions) in store.Logins())
            {
                output.WriteLine($"{login}: {permissions.Describe()}");
            }

            foreach (var line in store.InvalidLines)
            {
                error.WriteLine($"{path}:{line}: unreadable, ignored by the broker");
            }

            return 0;
        });

        var show = new Command("show", "One login's permissions, a rule a line") { name, credentials, data };
        show.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            if (StorePath(parseResult, credentials, data, error) is not { } path)
            {
                return 2;
            }

            var user = parseResult.GetValue(name)!;
            if (new MqttCredentialStore(path).PermissionsOf(user) is not { } permissions)
            {
                error.WriteLine($"There is no login '{PeerText.Escape(user)}' in {path}.");
                return 1;
            }

            output.WriteLine($"login {user}");
            output.WriteLine($"role {permissions.Role}{(permissions.Legacy ? " (no permissions stored: given at load; set them with 'homegateway mqtt users set')" : "")}");
            foreach (var rule in permissions.Rules)
            {
                output.WriteLine($"topic {rule}");
            }

            return 0;
        });

        var users = new Command("users", "Logins of the embedded MQTT broker and what each may publish and subscribe to");
        users.Subcommands.Add(add);
        users.Subcommands.Add(set);
        users.Subcommands.Add(list);
        users.Subcommands.Add(show);
        var mqtt = new Command("mqtt", "The embedded MQTT broker");
        mqtt.Subcommands.Add(users);
        return mqtt;
    }

    private static string? StorePath(ParseResult parseResult, Option<FileInfo?> credentials, Option<DirectoryInfo?> data, TextWriter error)
    {
        var path = parseResult.GetValue(credentials)?.FullName
            ?? (parseResult.GetValue(data) is { } dir ? Path.Combine(dir.FullName, DefaultCredentialsFileName) : null);
        if (path is null)
        {
            error.WriteLine("Say where the credentials live: --credentials FILE or --data DIR.");
        }

        return path;
    }

    private static string? ValidName(string user, TextWriter error)
    {
        if (MqttCredentialStore.IsValidUserName(user))
        {
            return user;
        }

        error.WriteLine($"'{PeerText.Escape(user)}' is not a valid user name: use letters, digits, '_', '.' or '-' (at most 64).");
        return null;
    }

    private static MqttPermissions? Permissions(ParseResult parseResult, string user, Option<string?> roleOption, Option<string?> baseTopicOption,
        Option<string[]> allowPublish, Option<string[]> allowSubscribe, TextWriter error)
    {
        var extra = new List<MqttTopicRule>();
        var publish = parseResult.GetValue(allowPublish) ?? [];
        var subscribe = parseResult.GetValue(allowSubscribe) ?? [];
        foreach (var pattern in publish.Concat(subscribe).Distinct(StringComparer.Ordinal))
        {
            if (MqttTopicRule.ProblemWith(pattern) is { } problem)
            {
                error.WriteLine($"'{PeerText.Escape(pattern)}': {problem}.");
                return null;
            }

            var access = (publish.Contains(pattern) ? MqttAccess.Write : 0) | (subscribe.Contains(pattern) ? MqttAccess.Read : 0);
            extra.Add(new MqttTopicRule(access, pattern));
        }

        var role = parseResult.GetValue(roleOption)
            ?? (MqttRoles.Names.Contains(user, StringComparer.Ordinal) ? user : extra.Count > 0 ? MqttRoles.Custom : null);
        if (role is not null && MqttRoles.RulesOf(role) is null)
        {
            error.WriteLine($"--role '{PeerText.Escape(role)}' is not a role: use one of {string.Join(", ", MqttRoles.Names)} (or only --allow-publish / --allow-subscribe).");
            return null;
        }

        if (role is null)
        {
            error.WriteLine($"Say what '{user}' may do: --role {string.Join("|", MqttRoles.Names)}, or --allow-publish / --allow-subscribe PATTERN. "
                + "Roles: zigbee2mqtt = its base topic and homeassistant/#; device = its own topics (%u/#, tele/%u/#, stat/%u/#, read cmnd/%u/#); "
                + "reader = read everything, publish nothing (mosquitto_sub); homeassistant = read everything, publish homeassistant/status; sensors = publish on the home file's sensor topics.");
            return null;
        }

        var baseTopic = parseResult.GetValue(baseTopicOption);
        if (baseTopic is not null && (role != MqttRoles.Zigbee2Mqtt || baseTopic.Length == 0 || baseTopic.AsSpan().IndexOfAny("+#") >= 0
            || MqttTopicRule.ProblemWith(baseTopic + "/#") is not null))
        {
            error.WriteLine("--base-topic is Zigbee2MQTT's base_topic (no + or #) and goes with --role zigbee2mqtt.");
            return null;
        }

        return MqttRoles.Of(role, extra, baseTopic);
    }
}
