using System.Runtime.InteropServices;

namespace HomeGateway.Benchmarks.Suite.NodeRed;

/// <summary>
/// Which gateway build the bench measures. The Pi runs the NativeAOT, invariant-globalization publish
/// (<c>make publish-arm64</c>); on this machine the same publish for linux-x64 (<c>make publish-host</c>, which
/// <c>make bench</c> runs) is the nearest thing, so size and start-up are measured on it. Without it the bench falls back
/// to the framework-dependent Release build under the dotnet host and says so.
/// </summary>
public sealed record ShippedGateway(string Executable, string Description)
{
    public static ShippedGateway Find(BenchContext context)
    {
        if (context.Options.Text("gateway-bin") is { } given)
        {
            return new ShippedGateway(context.Binaries.Gateway, $"the build given with --gateway-bin ({Path.GetFileName(given)})");
        }

        var published = Path.Combine(context.RepositoryRoot, "artifacts", "publish", RuntimeInformation.RuntimeIdentifier, "homegateway");
        if (File.Exists(published))
        {
            if (File.GetLastWriteTimeUtc(published) < File.GetLastWriteTimeUtc(context.Binaries.Gateway))
            {
                context.Say("artifacts/publish/linux-x64 is older than the Release build: run `make publish-host` (make bench does)");
            }

            return new ShippedGateway(published, "NativeAOT linux-x64 publish (make publish-host, as the Pi build)");
        }

        context.Say("measuring the framework-dependent build: artifacts/publish/linux-x64/homegateway is missing (make publish-host)");
        return new ShippedGateway(context.Binaries.Gateway, "framework-dependent Release build under the dotnet host");
    }
}
