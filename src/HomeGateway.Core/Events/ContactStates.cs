namespace HomeGateway.Core.Events;

/// <summary>
/// What an active or inactive two-state input means for each sensor kind: a GPIO contact after active-low
/// inversion, an ESPHome or Tasmota ON/OFF. Active is the door open, the button pressed, the mat occupied,
/// the UPS saying mains power is lost, anything else detected.
/// </summary>
public static class ContactStates
{
    public static string For(SensorKind kind, bool active) => kind switch
    {
        SensorKind.Door => active ? SensorStates.Open : SensorStates.Closed,
        SensorKind.HelpButton => active ? SensorStates.Pressed : SensorStates.Released,
        SensorKind.Bed or SensorKind.Chair => active ? SensorStates.Occupied : SensorStates.Empty,
        SensorKind.Fall => active ? SensorStates.Fall : SensorStates.Clear,
        SensorKind.Power => active ? SensorStates.MainsLost : SensorStates.MainsRestored,
        _ => active ? SensorStates.Detected : SensorStates.Clear,
    };
}
