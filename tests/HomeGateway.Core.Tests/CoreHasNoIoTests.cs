using System.Reflection;
using System.Xml.Linq;
using HomeGateway.Core.Rules;

namespace HomeGateway.Core.Tests;

/// <summary>Guards: Core stays free of IO, so the whole care plan is testable in microseconds with a fake clock.</summary>
public class CoreHasNoIoTests
{
    // Framework assemblies that would let Core reach files, sockets, devices or processes.
    private static readonly string[] Forbidden =
    [
        "System.Net", "System.IO.FileSystem", "System.IO.Pipes", "System.IO.Ports", "System.Device", "System.Diagnostics.Process",
        "Microsoft.Data", "Microsoft.Extensions", "MQTTnet", "Grpc", "Google.Protobuf", "Npgsql", "YamlDotNet",
    ];

    [Fact]
    public void Core_project_has_no_package_or_project_references()
    {
        var project = XDocument.Load(Path.Combine(RepoRoot(), "src", "HomeGateway.Core", "HomeGateway.Core.csproj"));
        var references = project.Descendants()
            .Where(e => e.Name.LocalName is "PackageReference" or "ProjectReference" or "Reference" or "FrameworkReference")
            .Select(e => e.Attribute("Include")?.Value)
            .ToList();
        Assert.Empty(references);
    }

    [Fact]
    public void Core_assembly_references_only_base_framework_assemblies()
    {
        var referenced = typeof(RulesEngine).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.NotEmpty(referenced);
        var offending = referenced.Where(name => Forbidden.Any(f => name.StartsWith(f, StringComparison.Ordinal))).ToList();
        Assert.Empty(offending);
        Assert.All(referenced, name => Assert.True(name.StartsWith("System.", StringComparison.Ordinal) || name == "netstandard", name));
    }

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HomeGateway.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("HomeGateway.sln not found above " + AppContext.BaseDirectory);
    }
}
