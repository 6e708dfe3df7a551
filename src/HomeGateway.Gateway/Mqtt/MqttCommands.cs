using System.CommandLine;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// <c>homegateway mqtt users add NAME</c>: creates a device user for the embedded broker (or gives it a new password).
/// Only the password goes to stdout, so an install script can capture it (<c>pw=$(homegateway mqtt users add z2m)</c>);
/// everything meant for the person goes to stderr.
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
        var name = new Argument<string>("NAME") { Description = "The device user, e.g. zigbee2mqtt or dispenser" };

        var add = new Command("add", "Create a device user (or replace its password) and print the new password");
        add.Arguments.Add(name);
        add.Options.Add(credentials);
        add.Options.Add(data);
        add.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var path = parseResult.GetValue(credentials)?.FullName
                ?? (parseResult.GetValue(data) is { } dir ? Path.Combine(dir.FullName, DefaultCredentialsFileName) : null);
            if (path is null)
            {
                error.WriteLine("Say where the credentials live: --credentials FILE or --data DIR.");
                return 2;
            }

            var user = parseResult.GetValue(name)!;
            if (!MqttCredentialStore.IsValidUserName(user))
            {
                error.WriteLine($"'{user}' is not a valid user name: use letters, digits, '_', '.' or '-' (at most 64).");
                return 2;
            }

            var password = new MqttCredentialStore(path).AddUser(user);
            error.WriteLine($"MQTT user '{user}' saved in {path}. Its password is below; it is shown only this once.");
            output.WriteLine(password);
            return 0;
        });

        var users = new Command("users", "Device users of the embedded MQTT broker");
        users.Subcommands.Add(add);
        var mqtt = new Command("mqtt", "The embedded MQTT broker");
        mqtt.Subcommands.Add(users);
        return mqtt;
    }
}
