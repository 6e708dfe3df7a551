using HomeGateway.Core.Events;

namespace HomeGateway.Gateway.Gpio;

/// <summary>
/// What an active or inactive contact means for each sensor kind. "Active" is after active-low inversion:
/// the door is open, the button is pressed, the mat is occupied, the UPS says mains power is lost.
/// </summary>
public static class GpioStates
{
    public static string For(SensorKind kind, bool active) => kind switch
    {
        SensorKind.Door => active ? SensorStates.Open : SensorStates.Closed,
        SensorKind.HelpButton => active ? SensorStates.Pressed : SensorStates.Released,
        SensorKind.Bed or SensorKind.Chair => active ? SensorStates.Occupied : SensorStates.Empty,
        SensorKind.Fall => active ? SensorStates.Fall : SensorStates.Clear,
        SensorKind.Power => active ? SensorStates.MainsLost : SensorStates.MainsRestored,
        SensorKind.Gas or SensorKind.CarbonMonoxide => active ? SensorStates.Detected : SensorStates.Clear,
        _ => active ? SensorStates.Detected : SensorStates.Clear,
    };
}
