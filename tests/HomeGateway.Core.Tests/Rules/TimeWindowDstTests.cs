using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using static HomeGateway.Core.Tests.Rules.TimeWindowTestHome;

namespace HomeGateway.Core.Tests.Rules;

/// <summary>
/// Invariant: the night and day windows follow the home's wall clock across daylight-saving changes, while graces and
/// limits are real elapsed time. Europe/Helsinki: 2026-03-29 03:00 EET → 04:00 EEST (01:00 UTC), and 2026-10-25
/// 04:00 EEST → 03:00 EET (01:00 UTC), so 03:00–03:59 happens twice that night. Instants are written in UTC on purpose.
/// </summary>
public class TimeWindowDstTests
{
    private static readonly RulesConfig Rules = new()
    {
        NightExit = new NightExitRuleConfig { Door = "front_door", Grace = TimeSpan.FromMinutes(10) },
        BedNotReturned = new BedNotReturnedRuleConfig { Bed = "bed", After = TimeSpan.FromMinutes(30) },
        Inactivity = new InactivityRuleConfig { After = TimeSpan.FromHours(4) },
    };

    private static DateTimeOffset Utc(int month, int day, int hour, int minute, int second = 0) => new(2026, month, day, hour, minute, second, TimeSpan.Zero);

    private static TimeWindowTestHome NightExitOnly(DateTimeOffset start) =>
        new(new RulesConfig { NightExit = Rules.NightExit }, start);

    private static TimeWindowTestHome BedOnly(DateTimeOffset start) =>
        new(new RulesConfig { BedNotReturned = Rules.BedNotReturned }, start);

    [Fact]
    public void A_night_exit_grace_over_the_spring_forward_gap_is_ten_real_minutes()
    {
        // 02:55 EET; ten minutes later the clock shows 04:05 EEST.
        var home = NightExitOnly(Utc(3, 29, 0, 55));
        home.Send("front_door", SensorStates.Open);
        var alert = Assert.Single(home.Wait(TimeSpan.FromHours(1)));
        Assert.Equal(Utc(3, 29, 1, 5), alert.At);
        Assert.Equal(new TimeOnly(4, 5), TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(alert.At, Helsinki).DateTime));
    }

    [Theory]
    [InlineData(0, 30)] // 03:30 EEST, the first time the clock shows 03:30
    [InlineData(1, 30)] // 03:30 EET, the second time
    public void Both_occurrences_of_the_repeated_hour_are_night_and_the_grace_is_real_time(int utcHour, int utcMinute)
    {
        var opened = Utc(10, 25, utcHour, utcMinute);
        var home = NightExitOnly(opened);
        home.Send("front_door", SensorStates.Open);
        Assert.Equal(opened.AddMinutes(10), Assert.Single(home.Wait(TimeSpan.FromHours(1))).At);
    }

    [Theory]
    [InlineData(3, 29, 3, 29, 59, true)]  // 06:29:59 EEST: the last second of the short night
    [InlineData(3, 29, 3, 30, 0, false)]  // 06:30:00 EEST
    [InlineData(10, 25, 4, 29, 59, true)] // 06:29:59 EET: the last second of the long night
    [InlineData(10, 25, 4, 30, 0, false)] // 06:30:00 EET; an end computed as start + 8.5 h would have ended at 03:30 UTC
    [InlineData(10, 25, 3, 45, 0, true)]  // 05:45 EET
    [InlineData(10, 24, 18, 59, 59, false)] // 21:59:59 EEST the evening before
    [InlineData(10, 24, 19, 0, 0, true)]  // 22:00:00 EEST
    public void The_night_ends_by_the_wall_clock_on_both_change_days(int month, int day, int hour, int minute, int second, bool night)
    {
        var home = NightExitOnly(Utc(month, day, hour, minute, second));
        home.Send("front_door", SensorStates.Open);
        Assert.Equal(night ? 1 : 0, home.Wait(TimeSpan.FromHours(1)).Count);
    }

    [Fact]
    public void Out_of_bed_over_the_spring_forward_gap_is_thirty_real_minutes()
    {
        var home = BedOnly(Utc(3, 28, 21, 0)); // 23:00 EET
        home.Send("bed", SensorStates.Occupied);
        home.WaitUntil(Utc(3, 29, 0, 50));     // 02:50 EET
        home.Send("bed", SensorStates.Empty);
        Assert.Equal(Utc(3, 29, 1, 20), Assert.Single(home.Wait(TimeSpan.FromHours(1))).At); // 04:20 EEST
    }

    [Fact]
    public void Out_of_bed_in_the_first_repeated_hour_raises_when_the_clock_shows_an_earlier_time()
    {
        var home = BedOnly(Utc(10, 24, 20, 0)); // 23:00 EEST
        home.Send("bed", SensorStates.Occupied);
        home.WaitUntil(Utc(10, 25, 0, 50));     // 03:50 EEST
        home.Send("bed", SensorStates.Empty);
        Assert.Equal(Utc(10, 25, 1, 20), Assert.Single(home.Wait(TimeSpan.FromHours(1))).At); // 03:20 EET
    }

    [Theory]
    [InlineData(3, 50, 0, true)]  // 05:50 EET: due 06:20 EET, inside the long night
    [InlineData(3, 59, 59, true)]
    [InlineData(4, 0, 1, false)] // 06:00:01 EET: due after 06:30 EET, the morning
    public void Getting_up_near_the_end_of_the_long_night_is_judged_by_the_wall_clock(int utcHour, int utcMinute, int utcSecond, bool raised)
    {
        var home = BedOnly(Utc(10, 24, 20, 0));
        home.Send("bed", SensorStates.Occupied);
        home.WaitUntil(Utc(10, 25, utcHour, utcMinute, utcSecond));
        home.Send("bed", SensorStates.Empty);
        Assert.Equal(raised ? 1 : 0, home.Wait(TimeSpan.FromHours(2)).Count);
    }

    [Theory]
    [InlineData(3, 29, 8)]  // 11:00 EEST
    [InlineData(10, 25, 9)] // 11:00 EET
    public void Silence_from_the_evening_before_a_change_is_raised_at_11_by_the_wall_clock(int month, int day, int utcHour)
    {
        var home = new TimeWindowTestHome(new RulesConfig { Inactivity = Rules.Inactivity }, Utc(month, day - 1, 18, 0));
        home.Send("hall_motion", SensorStates.Detected);
        Assert.Equal(Utc(month, day, utcHour, 0), Assert.Single(home.Wait(TimeSpan.FromDays(1))).At);
    }

    [Fact]
    public void A_restart_in_the_repeated_hour_raises_the_same_night_exit_at_the_same_instant()
    {
        var home = NightExitOnly(Utc(10, 25, 0, 55)); // 03:55 EEST
        home.Send("front_door", SensorStates.Open);
        home.Wait(TimeSpan.FromMinutes(6));           // 03:01 EET
        home.Restart();
        Assert.Equal(Utc(10, 25, 1, 5), Assert.Single(home.Wait(TimeSpan.FromHours(1))).At);
    }
}
