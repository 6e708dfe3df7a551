using System.Text.RegularExpressions;
using HomeGateway.Core.Configuration;
using HomeGateway.Gateway.Configuration;

namespace HomeGateway.Gateway.Tests.Configuration;

/// <summary>
/// Guards: whatever a home file holds, the loader answers with a care plan or with problems shaped FILE:LINE: field:
/// problem — never another exception, never a process abort. Deep nesting is refused on the parser's event stream
/// before the recursive tree builder runs, so the 40,000-deep files below run in this process.
/// </summary>
public sealed partial class HomeFileRefusalTests
{
    [GeneratedRegex(@"^home\.yaml:[0-9]+: [^:\s][^:]*: \S.*$")]
    internal static partial Regex ProblemShape();

    [Theory]
    [MemberData(nameof(BadHomeFiles.Names), MemberType = typeof(BadHomeFiles))]
    public void Each_class_of_bad_file_is_refused_with_its_file_line_field_and_reason(string name)
    {
        var bad = BadHomeFiles.Classes[name];

        var error = Assert.Throws<HomeConfigException>(() => HomeConfigLoader.Parse(bad.Yaml, "home.yaml"));

        var problem = Assert.Single(error.Problems, p => p.Field == bad.Field);
        Assert.Equal(bad.Line, problem.Line);
        Assert.Contains(bad.Says, problem.Message, StringComparison.Ordinal);
        Assert.All(error.Problems, p => Assert.Matches(ProblemShape(), p.Format("home.yaml")));
    }

    [Fact]
    public void A_file_over_the_size_limit_is_refused_before_it_is_read()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("home.yaml"), BadHomeFiles.Classes["a file over 256 KiB"].Yaml);

        var error = Assert.Throws<HomeConfigException>(() => HomeConfigLoader.Load(dir.File("home.yaml")));

        Assert.Contains("at most 256 KiB", Assert.Single(error.Problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_device_that_never_ends_is_refused_after_the_limit_not_read_for_ever()
    {
        if (!File.Exists("/dev/zero"))
        {
            return;
        }

        var error = Assert.Throws<HomeConfigException>(() => HomeConfigLoader.Load("/dev/zero"));

        Assert.Equal(("(file)", 1), (Assert.Single(error.Problems).Field, error.Problems[0].Line));
        Assert.Contains("at most 256 KiB", error.Problems[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_up_to_the_limit_is_still_read_as_yaml()
    {
        // 20 levels is the bound; the file is refused for its unknown key, not for its depth.
        var yaml = BadHomeFiles.Valid + "\nextra: " + new string('[', 19) + new string(']', 19) + "\n";
        var error = Assert.Throws<HomeConfigException>(() => HomeConfigLoader.Parse(yaml, "home.yaml"));
        Assert.Equal("extra", Assert.Single(error.Problems).Field);
    }

    [Fact]
    public void Terminal_escapes_from_the_file_do_not_reach_the_message()
    {
        var yaml = BadHomeFiles.Valid.Replace("{ after: 10m }", "{ after: \"\\e[2J\\e[31m10q\" }\n  \"\\e[31mcolour\": red", StringComparison.Ordinal);
        // YAML's own escape \e puts a real ESC character into the values.
        var error = Assert.Throws<HomeConfigException>(() => HomeConfigLoader.Parse(yaml, "home.yaml"));
        Assert.Equal(2, error.Problems.Count);
        Assert.All(error.Problems, p => Assert.DoesNotContain('\u001b', p.Format("home.yaml")));
        Assert.Contains(error.Problems, p => p.Message.Contains("\\u001b[2J", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("home: { id: a, timezone: Europe/Helsinki }\nsensors: []\nrules: [", "(yaml)")]
    [InlineData("home: { id: a, timezone: Europe/Helsinki }\nsensors: []\nrules: {a: 1, a: 2}", "(yaml)")]
    [InlineData("home: &h { id: a, timezone: Europe/Helsinki }\nsensors: []\nrules: {}\n---\nhome: 1", "(file)")]
    [InlineData("sensors: []", "home")]
    [InlineData("", "(file)")]
    [InlineData("\"unterminated", "(yaml)")]
    [InlineData("home: { id: a, timezone: Europe/Helsinki }\nsensors:\n  - { id: b, kind: door, gpio: { pin: 99999999999999999999 } }", "sensors[0].gpio.pin")]
    [InlineData("home: { id: a, timezone: Europe/Helsinki }\nsensors:\n  - { id: b, kind: door, gpio: { pin: ١٠ } }", "sensors[0].gpio.pin")]
    public void Malformed_yaml_and_missing_keys_name_a_line_too(string yaml, string field)
    {
        var error = Assert.Throws<HomeConfigException>(() => HomeConfigLoader.Parse(yaml, "home.yaml"));
        Assert.Contains(error.Problems, p => p.Field == field);
        Assert.All(error.Problems, p => Assert.Matches(ProblemShape(), p.Format("home.yaml")));
    }
}
