using System.CommandLine;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Text;
using HomeGateway.Gateway.Configuration;

namespace HomeGateway.Gateway.Cli;

/// <summary>
/// <c>homegateway config validate FILE</c>: the technician's check before installing a home file. Exit 0 when it is
/// valid; otherwise exit 1 with one line per problem as FILE:LINE: field: problem, and never a stack trace — whatever
/// the file holds, the technician needs the line to fix, not the gateway's internals.
/// </summary>
internal static class ConfigCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The home file (YAML) to check" };
        var validate = new Command("validate", "Check a home file: exit 0 when it is valid, else one line per problem as FILE:LINE: field: problem")
        {
            file,
        };
        validate.SetAction(parse => Validate(parse.GetValue(file)!, Console.Out, Console.Error));
        return new Command("config", "Work with home files") { validate };
    }

    internal static int Validate(FileInfo file, TextWriter output, TextWriter errors)
    {
        var shown = PeerText.Escape(file.ToString());
        try
        {
            var home = HomeConfigLoader.Load(file.FullName);
            output.WriteLine($"{shown}: valid: home {home.HomeId}, {home.Sensors.Count} sensor(s)");
            return 0;
        }
        catch (HomeConfigException ex)
        {
            foreach (var problem in ex.Problems)
            {
                errors.WriteLine(problem.Format(shown));
            }

            return 1;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The loader maps every problem it knows; this is the backstop for one it does not (a bug to report), still
            // in the FILE:LINE shape and without the stack trace.
            errors.WriteLine(new ConfigProblem("(file)", $"cannot be checked: {ex.GetType().Name}: {PeerText.Escape(ex.Message)} (please report this)", 1).Format(shown));
            return 1;
        }
    }
}
