using Npgsql;

namespace HomeGateway.Dispatch.Store;

/// <summary>The <c>Dispatch:Store</c> section: where dispatch keeps everything.</summary>
public sealed class StoreOptions
{
    public const string Sqlite = "sqlite";
    public const string PostgreSql = "postgresql";

    /// <summary><c>sqlite</c> (default: <c>dispatch.db</c> in the data directory) or <c>postgresql</c>.</summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>For PostgreSQL: an Npgsql connection string without a password (e.g. <c>Host=db;Database=dispatch;Username=dispatch</c>).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>For PostgreSQL: a file holding the password (one line), so it is on no command line and in no settings file.</summary>
    public string? PasswordFile { get; set; }

    public bool IsPostgreSql => string.Equals(Provider, PostgreSql, StringComparison.OrdinalIgnoreCase);

    /// <summary>The configured store; validate first (<see cref="Validate"/>).</summary>
    public DispatchStore CreateStore(string dataDirectory, TimeProvider time) =>
        IsPostgreSql
            ? DispatchStore.PostgreSql(ConnectionString!, PasswordFile is null ? null : File.ReadAllText(PasswordFile).TrimEnd('\r', '\n'), time)
            : DispatchStore.Sqlite(dataDirectory, time);

    /// <summary>Adds a plain sentence per problem; never repeats the connection string (it could hold a secret).</summary>
    public void Validate(List<string> problems)
    {
        if (!IsPostgreSql && !string.Equals(Provider, Sqlite, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"Dispatch:Store:Provider must be '{Sqlite}' or '{PostgreSql}', not '{Provider}'.");
            return;
        }

        if (!IsPostgreSql)
        {
            if (!string.IsNullOrEmpty(ConnectionString) || !string.IsNullOrEmpty(PasswordFile))
            {
                problems.Add("Dispatch:Store:ConnectionString and Dispatch:Store:PasswordFile are for the postgresql provider; "
                    + $"set Dispatch:Store:Provider to '{PostgreSql}' or remove them.");
            }

            return;
        }

        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            problems.Add("Dispatch:Store:ConnectionString is required with the postgresql provider (e.g. Host=db;Database=dispatch;Username=dispatch).");
        }
        else
        {
            NpgsqlConnectionStringBuilder builder;
            try
            {
                builder = new NpgsqlConnectionStringBuilder(ConnectionString);
            }
            catch (ArgumentException)
            {
                problems.Add("Dispatch:Store:ConnectionString is not a valid PostgreSQL connection string (Key=value;Key=value).");
                return;
            }

            if (string.IsNullOrWhiteSpace(builder.Host))
            {
                problems.Add("Dispatch:Store:ConnectionString names no Host.");
            }

            if (!string.IsNullOrEmpty(builder.Password))
            {
                // A password in the connection string ends up on command lines and in settings files people share.
                problems.Add("Dispatch:Store:ConnectionString must not hold a Password: put it in a file named by Dispatch:Store:PasswordFile.");
            }
        }

        if (PasswordFile is not null && !File.Exists(PasswordFile))
        {
            problems.Add($"Dispatch:Store:PasswordFile '{PasswordFile}' does not exist.");
        }
    }
}
