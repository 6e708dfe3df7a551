using HomeGateway.Core.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Contracts.Logging;

/// <summary>
/// Both processes log text that peers chose: MQTT client ids and topics, gateway ids, user names typed at a login, fields
/// of uplink frames. Escaping at every call site is a promise someone forgets; here the logger factory is wrapped, so every
/// message is escaped once, after it is formatted and before any provider sees it (<see cref="PeerText"/>: newlines, ANSI
/// escapes, NUL, bidirectional overrides become visible <c>\uXXXX</c>), and cut at <see cref="MaxMessageLength"/>. One
/// event stays one line in journald, and no peer can forge a line or recolour a terminal. The factory is wrapped rather
/// than each provider so per-provider filters ("Logging:Console:LogLevel") keep matching. Exceptions pass unchanged: their
/// text is ours (stack traces), and the console formatters keep them apart from the message.
/// </summary>
public static class EscapedLogText
{
    /// <summary>Longest message written whole; a longer one is cut and says how long it was.</summary>
    public const int MaxMessageLength = 8 * 1024;

    /// <summary>Wraps the registered <see cref="ILoggerFactory"/>; every <c>ILogger&lt;T&gt;</c> comes from it.</summary>
    public static IServiceCollection EscapePeerTextInLogs(this IServiceCollection services)
    {
        for (var i = 0; i < services.Count; i++)
        {
            var descriptor = services[i];
            if (descriptor.ServiceType == typeof(ILoggerFactory) && !descriptor.IsKeyedService)
            {
                services[i] = ServiceDescriptor.Singleton<ILoggerFactory>(sp => new EscapingLoggerFactory(Create(sp, descriptor)));
            }
        }

        return services;
    }

    public static string Escape(string message) => PeerText.Escape(message, MaxMessageLength);

    private static ILoggerFactory Create(IServiceProvider services, ServiceDescriptor descriptor) =>
        descriptor.ImplementationInstance as ILoggerFactory
        ?? descriptor.ImplementationFactory?.Invoke(services) as ILoggerFactory
        ?? (ILoggerFactory)ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!);

    private sealed class EscapingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new EscapingLogger(inner.CreateLogger(categoryName));

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        public void Dispose() => inner.Dispose();
    }

    private sealed class EscapingLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(logLevel, eventId, state, exception, (s, e) => Escape(formatter(s, e)));
    }
}
