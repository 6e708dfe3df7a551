using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Tests.Rules;

/// <summary>
/// Each dose opens [dose, dose + window); no dose_taken inside raises exactly at the end, once per dose, on one alert
/// per dispenser that the next dose taken clears; the dispenser's own reports raise at once without duplicates.
/// </summary>
public class MissedDoseRuleTests
{
    private static readonly RulesConfig Rules = new() { MissedDose = new MissedDoseRuleConfig { Window = TimeSpan.FromMinutes(30) } };
    private static readonly TimeOnly[] Doses = [new(8, 0), new(14, 0), new(20, 0)];

    private readonly SafetyTestHome home = new(Rules, SafetyTestHome.Local(2026, 11, 25, 7, 0), Doses);

    private static DateTimeOffset Nov25(int hour, int minute, int second = 0) => SafetyTestHome.Local(2026, 11, 25, hour, minute, second);

    [Fact]
    public void No_dose_taken_raises_exactly_at_the_window_end_not_a_second_before()
    {
        Assert.Empty(home.WaitUntil(Nov25(8, 29, 59)));
        var alert = Assert.Single(home.Wait(TimeSpan.FromSeconds(1)));
        Assert.Equal((AlertEventKind.Raised, AlertType.MissedDose, AlertPriority.High, "dispenser", Nov25(8, 30), Nov25(8, 0)),
            (alert.Kind, alert.Type, alert.Priority, alert.SensorId, alert.At, alert.EvidenceAt));
        Assert.Contains("08:00", alert.Summary, StringComparison.Ordinal);
        Assert.Empty(home.WaitUntil(Nov25(14, 29, 59)));
    }

    [Fact]
    public void Taken_in_the_last_second_of_the_window_settles_the_dose()
    {
        home.WaitUntil(Nov25(8, 29, 59));
        Assert.Empty(home.Send("dispenser", SensorStates.DoseTaken));
        Assert.Empty(home.WaitUntil(Nov25(14, 29, 59)));
    }

    [Fact]
    public void Taken_at_the_window_end_is_late_the_alert_comes_first_and_the_dose_clears_it()
    {
        Assert.Empty(home.WaitUntil(Nov25(8, 29, 59)));
        home.Clock.Advance(TimeSpan.FromSeconds(1));
        var steps = home.Send("dispenser", SensorStates.DoseTaken);
        Assert.Equal([AlertEventKind.Raised, AlertEventKind.Cleared], steps.Select(s => s.Kind));
        Assert.Equal(Nov25(8, 30), steps[0].At);
        Assert.Single(steps.Select(s => s.AlertId).Distinct());
    }

    [Fact]
    public void Taken_a_second_before_the_dose_time_does_not_count()
    {
        home.WaitUntil(Nov25(7, 59, 59));
        home.Send("dispenser", SensorStates.DoseTaken);
        Assert.Single(home.WaitUntil(Nov25(8, 30)));
    }

    [Fact]
    public void Missed_doses_count_up_on_one_alert_until_a_dose_is_taken()
    {
        var first = Assert.Single(home.WaitUntil(Nov25(8, 30)));
        var second = Assert.Single(home.WaitUntil(Nov25(14, 30)));
        Assert.Equal((AlertEventKind.Repeated, 2, first.AlertId, Nov25(14, 30)), (second.Kind, second.Count, second.AlertId, second.At));

        home.WaitUntil(Nov25(20, 5));
        var cleared = Assert.Single(home.Send("dispenser", SensorStates.DoseTaken));
        Assert.Equal((AlertEventKind.Cleared, first.AlertId), (cleared.Kind, cleared.AlertId));
        Assert.Empty(home.WaitUntil(Nov25(23, 59)));
    }

    [Fact]
    public void The_dispenser_reporting_a_missed_dose_raises_at_once_and_the_timer_does_not_repeat_it()
    {
        home.WaitUntil(Nov25(8, 10));
        var reported = Assert.Single(home.Send("dispenser", SensorStates.DoseMissed));
        Assert.Equal((AlertEventKind.Raised, Nov25(8, 10)), (reported.Kind, reported.At));
        Assert.Empty(home.WaitUntil(Nov25(14, 0)));
    }

    [Fact]
    public void A_dispenser_report_after_the_timer_already_raised_adds_nothing()
    {
        Assert.Single(home.WaitUntil(Nov25(8, 30)));
        home.Wait(TimeSpan.FromMinutes(5));
        Assert.Empty(home.Send("dispenser", SensorStates.DoseMissed));
    }

    [Fact]
    public void Dispenser_errors_are_high_refills_normal_and_neither_merges_with_a_missed_dose()
    {
        home.WaitUntil(Nov25(8, 30));
        var error = Assert.Single(home.Send("dispenser", SensorStates.DispenserError, detail: "code=jam"));
        Assert.Equal("Dispenser dispenser reports an error (code=jam)", error.Summary);
        var refill = Assert.Single(home.Send("dispenser", SensorStates.RefillLow));
        Assert.Equal((AlertEventKind.Raised, AlertPriority.High), (error.Kind, error.Priority));
        Assert.Equal((AlertEventKind.Raised, AlertPriority.Normal), (refill.Kind, refill.Priority));
        Assert.NotEqual(error.AlertId, refill.AlertId);

        home.Wait(TimeSpan.FromHours(1));
        var again = Assert.Single(home.Send("dispenser", SensorStates.DispenserError));
        Assert.Equal((AlertEventKind.Repeated, 2, error.AlertId), (again.Kind, again.Count, again.AlertId));

        home.Wait(TimeSpan.FromHours(25));
        Assert.NotEqual(error.AlertId, Assert.Single(home.Send("dispenser", SensorStates.DispenserError)).AlertId);
    }

    [Fact]
    public void Other_dispenser_events_change_nothing()
    {
        home.WaitUntil(Nov25(8, 5));
        Assert.Empty(home.Send("dispenser", SensorStates.DoseDue));
        Assert.Empty(home.Send("dispenser", SensorStates.DoseDispensed));
        Assert.Single(home.WaitUntil(Nov25(8, 30)));
    }

    [Fact]
    public void A_dose_late_in_the_evening_is_judged_after_midnight()
    {
        var late = new SafetyTestHome(Rules, Nov25(22, 0), [new TimeOnly(23, 50)]);
        var alert = Assert.Single(late.Wait(TimeSpan.FromHours(3)));
        Assert.Equal(SafetyTestHome.Local(2026, 11, 26, 0, 20), alert.At);
    }

    [Fact]
    public void A_window_already_open_at_boot_is_judged()
    {
        var booted = new SafetyTestHome(Rules, Nov25(8, 10), Doses);
        Assert.Equal(Nov25(8, 30), Assert.Single(booted.Wait(TimeSpan.FromMinutes(30))).At);
    }

    [Fact]
    public void On_the_spring_forward_day_a_dose_in_the_gap_opens_its_window_late_by_the_gap()
    {
        // 2026-03-29: 03:30 does not exist in Helsinki; the dose is at 04:30 EEST (01:30 UTC), its window ends 05:00.
        var spring = new SafetyTestHome(Rules, SafetyTestHome.Local(2026, 3, 28, 12, 0), [new TimeOnly(3, 30)]);
        Assert.Empty(spring.WaitUntil(SafetyTestHome.Local(2026, 3, 28, 23, 0)));
        spring.WaitUntil(new DateTimeOffset(2026, 3, 29, 1, 29, 59, TimeSpan.Zero));
        Assert.Empty(spring.Send("dispenser", SensorStates.DoseTaken));    // a second before the shifted dose time: too early
        var alert = Assert.Single(spring.WaitUntil(new DateTimeOffset(2026, 3, 29, 2, 0, 0, TimeSpan.Zero)));
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 2, 0, 0, TimeSpan.Zero), alert.At.ToUniversalTime());

        // Taken at 04:40 EEST the next day is inside that day's window (03:30 EEST exists then).
        spring.Send("dispenser", SensorStates.DoseTaken);
        spring.WaitUntil(SafetyTestHome.Local(2026, 3, 30, 3, 40));
        spring.Send("dispenser", SensorStates.DoseTaken);
        Assert.Empty(spring.Wait(TimeSpan.FromHours(12)));
    }

    [Fact]
    public void On_the_fall_back_day_a_dose_in_the_repeated_hour_is_judged_once()
    {
        // 2026-10-25: 03:30 happens at 00:30 UTC (EEST) and again at 01:30 UTC (EET); the dose is the first.
        var fall = new SafetyTestHome(Rules, SafetyTestHome.Local(2026, 10, 24, 12, 0), [new TimeOnly(3, 30)]);
        var steps = fall.WaitUntil(SafetyTestHome.Local(2026, 10, 25, 12, 0));
        var alert = Assert.Single(steps);
        Assert.Equal(new DateTimeOffset(2026, 10, 25, 1, 0, 0, TimeSpan.Zero), alert.At.ToUniversalTime());
    }

    [Fact]
    public void A_restart_in_the_middle_of_the_window_raises_the_same_alert_at_the_same_instant()
    {
        var twin = new SafetyTestHome(Rules, home.Now, Doses);
        foreach (var h in new[] { home, twin })
        {
            h.WaitUntil(Nov25(8, 12));
        }

        home.Restart();
        var expected = SafetyTestHome.Describe(twin.WaitUntil(Nov25(15, 0)));
        Assert.Equal(2, expected.Count);
        Assert.Equal(expected, SafetyTestHome.Describe(home.WaitUntil(Nov25(15, 0))));
    }

    [Fact]
    public void A_dose_taken_before_a_restart_stays_settled()
    {
        home.WaitUntil(Nov25(8, 5));
        home.Send("dispenser", SensorStates.DoseTaken);
        home.Restart();
        Assert.Empty(home.WaitUntil(Nov25(14, 0)));
    }
}
