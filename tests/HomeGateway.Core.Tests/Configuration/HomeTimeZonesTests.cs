using HomeGateway.Core.Configuration;

namespace HomeGateway.Core.Tests.Configuration;

/// <summary>
/// Guards: the home's time zone is an IANA zone, never a folder or a path; whatever the id, the answer is a reason, not
/// an exception ("Europe" used to throw out of the validator and crash `config validate`).
/// </summary>
public sealed class HomeTimeZonesTests
{
    [Theory]
    [InlineData("Europe/Helsinki")]
    [InlineData("UTC")]
    [InlineData("America/Argentina/Buenos_Aires")]
    [InlineData("Etc/GMT+2")]
    public void Zones_are_accepted(string id) => Assert.Null(HomeTimeZones.Problem(id));

    [Theory]
    [InlineData("Europe")]
    [InlineData("America")]
    [InlineData("America/Argentina")]
    [InlineData("../etc/passwd")]
    [InlineData("/etc/localtime")]
    [InlineData("Europe/../Europe/Helsinki")]
    [InlineData("Europe//Helsinki")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Mars/Olympus")]
    [InlineData("Europe/Helsinki\u001b[31m")]
    public void Folders_paths_and_unknown_ids_are_refused_with_a_reason(string id)
    {
        var problem = HomeTimeZones.Problem(id);
        Assert.False(string.IsNullOrWhiteSpace(problem));
        Assert.Contains("Europe/Helsinki", problem, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', problem);
    }

    [Fact]
    public void A_huge_id_is_refused_by_its_length()
    {
        var problem = HomeTimeZones.Problem("Europe/" + new string('a', 70_000));
        Assert.Contains("at most 64", problem, StringComparison.Ordinal);
        Assert.True(problem!.Length < 300);
    }

    [Fact]
    public void The_validator_reports_a_folder_as_a_problem_of_home_timezone()
    {
        var home = new HomeConfig("a", "Europe", [], new RulesConfig());
        var problem = Assert.Single(HomeConfigValidator.Validate(home));
        Assert.Equal("home.timezone", problem.Field);
    }
}
