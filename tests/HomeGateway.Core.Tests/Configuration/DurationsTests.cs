using HomeGateway.Core.Configuration;
using HomeGateway.Testing;
using Xunit.Abstractions;

namespace HomeGateway.Core.Tests.Configuration;

/// <summary>
/// Guards: a duration in a home file is read by one parser, in ASCII digits only, never longer than 30 days, and any
/// text gives a duration or a reason, never an exception (99999999999999m used to throw OverflowException).
/// </summary>
public sealed class DurationsTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("90s", 90_000)]
    [InlineData("10m", 600_000)]
    [InlineData("4h", 14_400_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1h 30m", 5_400_000)]
    [InlineData("500ms", 500)]
    [InlineData("1.5s", 1_500)]
    [InlineData("720h", 2_592_000_000)]
    public void Durations_read_as_written(string text, long milliseconds)
    {
        Assert.Null(Durations.Problem(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("99999999999999m")]
    [InlineData("99999999999999999999999999h")]
    [InlineData("721h")]
    [InlineData("30d")]
    [InlineData("43200m1s")]
    public void Anything_longer_than_30_days_is_refused_without_overflow(string text)
    {
        var problem = Durations.Problem(text, out _);
        Assert.NotNull(problem);
        Assert.True(text == "30d" || problem.Contains("longer than 30 days", StringComparison.Ordinal), problem);
    }

    [Theory]
    [InlineData("١٠m", "U+0661")]
    [InlineData("１０m", "U+FF11")]
    [InlineData("१०s", "U+0967")]
    public void Non_ascii_digits_are_refused_and_the_message_says_to_use_ascii(string text, string codePoint)
    {
        var problem = Durations.Problem(text, out _);
        Assert.NotNull(problem);
        Assert.Contains("use ASCII digits 0-9", problem, StringComparison.Ordinal);
        Assert.Contains(codePoint, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("-5m")]
    [InlineData("25:00")]
    [InlineData("10 minutes")]
    [InlineData("30m1h")]
    [InlineData("1.5m")]
    [InlineData("1.s")]
    [InlineData("5m5m")]
    public void Non_durations_are_refused_with_a_reason(string text) => Assert.False(string.IsNullOrWhiteSpace(Durations.Problem(text, out _)));

    [Fact]
    public void A_control_character_in_the_text_is_escaped_in_the_reason()
    {
        var problem = Durations.Problem("\u001b[31m10m", out _)!;
        Assert.DoesNotContain('\u001b', problem);
    }

    [Fact]
    [Trait("Category", "Fuzz")]
    public Task Mutated_durations_give_a_duration_within_the_limit_or_a_reason() =>
        Fuzzer.Run("home-file duration", 100_000,
            random => Mutate.Text(random, random.Next(3) switch { 0 => "1h30m", 1 => "90s", _ => "1.5s" }),
            text => Durations.Problem(text, out var duration) is { } problem
                ? FuzzVerdict.Refuse(problem)
                : duration >= TimeSpan.Zero && duration <= Durations.Longest ? FuzzVerdict.Accept
                : throw new InvalidOperationException($"accepted {duration} beyond the limit"),
            text => text,
            output);
}
