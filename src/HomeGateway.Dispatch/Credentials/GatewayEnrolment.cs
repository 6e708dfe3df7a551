using System.Buffers.Text;
using System.Security.Cryptography;
using HomeGateway.Contracts.Api;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Credentials;

/// <summary>
/// Enrolment: dispatch issues a one-time code for a gateway id; the gateway sends a certificate signing
/// request with it and gets its client certificate. The code carries the CA's fingerprint, so the gateway
/// checks it talks to this dispatch before it sends the token. Only the token's SHA-256 is stored; a token
/// works once, for <see cref="TokenLifetime"/>, and only for the gateway it was issued for.
/// </summary>
public sealed class GatewayEnrolment(IDispatchStore store, DispatchAuthority authority, TimeProvider time)
{
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(24);

    public DispatchAuthority Authority => authority;

    /// <summary>
    /// Why <paramref name="gatewayId"/> cannot be a gateway id, or null when it can. It becomes the certificate's
    /// common name, so ',' and '=' (distinguished-name syntax) and control characters are refused. The CLI and the
    /// console both check with this.
    /// </summary>
    public static string? GatewayIdProblem(string gatewayId) =>
        gatewayId.Length == 0 || gatewayId.Any(char.IsControl) || gatewayId.Contains(',', StringComparison.Ordinal) || gatewayId.Contains('=', StringComparison.Ordinal)
            ? "The gateway id must not be empty nor contain ',', '=' or control characters."
            // It becomes the certificate's common name, which X.509 limits to 64 characters.
            : gatewayId.Length > MaxGatewayIdLength ? $"The gateway id must be at most {MaxGatewayIdLength} characters (it is {gatewayId.Length})."
            : null;

    /// <summary>The longest gateway id: it is the common name of the gateway's certificate (ub-common-name, RFC 5280).</summary>
    public const int MaxGatewayIdLength = 64;

    /// <summary>Registers the gateway if it is new and issues a one-time enrolment code for it.</summary>
    public async Task<IssuedEnrolmentCode> IssueCodeAsync(string gatewayId, string? homeId, CancellationToken ct = default)
    {
        var existing = await store.FindGatewayAsync(gatewayId, ct).ConfigureAwait(false);
        if (existing is null)
        {
            if (string.IsNullOrWhiteSpace(homeId))
            {
                throw new EnrolmentRefusedException(EnrolmentRefusal.BadRequest,
                    $"Gateway '{gatewayId}' is new: say which home it serves with --home HOME_ID.");
            }

            await store.AddGatewayAsync(gatewayId, homeId, ct).ConfigureAwait(false);
            existing = await store.FindGatewayAsync(gatewayId, ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Gateway '{gatewayId}' was not stored.");
        }
        else if (homeId is { Length: > 0 } && !string.Equals(homeId, existing.HomeId, StringComparison.Ordinal))
        {
            // Its stored alerts belong to that home: moving a gateway is a new gateway id, not a silent change.
            throw new EnrolmentRefusedException(EnrolmentRefusal.BadRequest,
                $"Gateway '{gatewayId}' serves home '{existing.HomeId}', not '{homeId}'. A gateway that moves to another home gets a new gateway id.");
        }

        var token = EnrolmentCode.NewToken();
        var expiresAt = time.GetUtcNow() + TokenLifetime;
        await store.AddEnrolmentTokenAsync(gatewayId, Secrets.Hash(token), expiresAt, ct).ConfigureAwait(false);
        return new IssuedEnrolmentCode(existing.GatewayId, existing.HomeId, EnrolmentCode.Format(token, authority.Fingerprint), expiresAt);
    }

    /// <summary>
    /// Redeems a token: checks it, signs the request for the token's gateway and, in one transaction, uses up
    /// the token, supersedes the gateway's earlier certificates and records the new one.
    /// </summary>
    public async Task<EnrolledGateway> EnrolAsync(string token, string csrPem, CancellationToken ct = default)
    {
        var hash = Secrets.Hash(token);
        var found = await store.FindEnrolmentTokenAsync(hash, ct).ConfigureAwait(false)
            ?? throw new EnrolmentRefusedException(EnrolmentRefusal.UnknownToken,
                "This enrolment code is not known to this dispatch (mistyped, or issued by another dispatch).");
        var now = time.GetUtcNow();
        if (found.UsedAt is { } usedAt)
        {
            throw new EnrolmentRefusedException(EnrolmentRefusal.UsedToken,
                $"This enrolment code was already used at {usedAt:yyyy-MM-dd HH:mm} UTC; a code works once. Issue a new one with `homegateway-dispatch gateways enroll {found.GatewayId}`.");
        }

        if (found.ExpiresAt <= now)
        {
            throw new EnrolmentRefusedException(EnrolmentRefusal.ExpiredToken,
                $"This enrolment code expired at {found.ExpiresAt:yyyy-MM-dd HH:mm} UTC. Issue a new one with `homegateway-dispatch gateways enroll {found.GatewayId}`.");
        }

        using var certificate = authority.IssueGatewayCertificate(csrPem, found.GatewayId);
        var record = new GatewayCertificateRecord(
            DispatchAuthority.SerialOf(certificate), found.GatewayId, now, certificate.NotAfter.ToUniversalTime(), null);
        if (!await store.CompleteEnrolmentAsync(hash, record, ct).ConfigureAwait(false))
        {
            // Another request redeemed it between the check and here, or it expired just now.
            throw new EnrolmentRefusedException(EnrolmentRefusal.UsedToken, "This enrolment code was used or expired while this request was handled.");
        }

        var gateway = await store.FindGatewayAsync(found.GatewayId, ct).ConfigureAwait(false);
        return new EnrolledGateway(found.GatewayId, gateway?.HomeId ?? "", certificate.ExportCertificatePem(),
            authority.CaCertificate.ExportCertificatePem(), record.Serial, record.NotAfter);
    }
}

public sealed record IssuedEnrolmentCode(string GatewayId, string HomeId, string Code, DateTimeOffset ExpiresAt);

/// <summary>What an enrolled gateway receives: its certificate and the CA certificate to trust.</summary>
public sealed record EnrolledGateway(string GatewayId, string HomeId, string CertificatePem, string CaCertificatePem, string Serial, DateTimeOffset NotAfter);

public enum EnrolmentRefusal
{
    BadRequest,
    UnknownToken,
    UsedToken,
    ExpiredToken,
    WrongGateway,
}

public sealed class EnrolmentRefusedException(EnrolmentRefusal reason, string message) : Exception(message)
{
    public EnrolmentRefusal Reason => reason;
}

