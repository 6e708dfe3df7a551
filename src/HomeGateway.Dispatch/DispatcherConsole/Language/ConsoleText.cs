namespace HomeGateway.Dispatch.DispatcherConsole.Language;

/// <summary>
/// The words every console page shares (product name, navigation, common refusals), read through
/// <c>IStringLocalizer&lt;ConsoleText&gt;</c> from <c>ConsoleText.resx</c> (English) and its <c>.fi</c>/<c>.sv</c>
/// siblings. A page's own words live in a resource file beside its component.
/// </summary>
public sealed class ConsoleText;
