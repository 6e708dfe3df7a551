using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
using System.Runtime.InteropServices;

namespace HomeGateway.Gateway.Cli;

/// <summary>
/// <c>homegateway --version</c>: what a technician reads out on the phone — the product version, the commit it was
/// built from (the SDK appends it to the informational version from git), the .NET runtime and the platform it runs as.
/// </summary>
internal sealed class VersionAction : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        foreach (var line in Describe())
        {
            parseResult.InvocationConfiguration.Output.WriteLine(line);
        }

        return 0;
    }

    internal static IEnumerable<string> Describe()
    {
        var (version, commit) = ProductVersion();
        yield return $"homegateway {version}";
        yield return $"commit: {commit ?? "unknown (built outside git)"}";
        yield return $"runtime: {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.RuntimeIdentifier} ({RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()})";
    }

    /// <summary>The version without the commit, and the commit (<c>0.1.0+abc123…</c> → <c>0.1.0</c>, <c>abc123…</c>).</summary>
    internal static (string Version, string? Commit) ProductVersion()
    {
        var informational = typeof(VersionAction).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(VersionAction).Assembly.GetName().Version?.ToString() ?? "unknown";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? (informational, null) : (informational[..plus], informational[(plus + 1)..]);
    }
}
