namespace HomeGateway.Dispatch.DispatcherConsole.Language;

/// <summary>
/// Why an alert change was refused (an empty or too long note, an unknown assignee), in <c>LifecycleText.resx</c> and
/// its <c>.fi</c>/<c>.sv</c> siblings; English is what the JSON API says.
/// </summary>
public sealed class LifecycleText;
