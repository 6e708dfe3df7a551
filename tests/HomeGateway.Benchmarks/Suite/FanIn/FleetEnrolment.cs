using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HomeGateway.Contracts.Api;
using HomeGateway.Dispatch.Credentials;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Benchmarks.Suite.FanIn;

/// <summary>One simulated gateway's identity: registered at dispatch, with its client certificate and key.</summary>
internal sealed record GatewayIdentity(string GatewayId, string HomeId, X509Certificate2 Certificate);

/// <summary>
/// Enrols a whole fleet before dispatch starts, in-process on dispatch's data directory with dispatch's own classes:
/// <see cref="GatewayEnrolment.IssueCodeAsync"/> registers the gateway and issues a one-time code exactly as
/// <c>gateways enroll</c> does, and <see cref="GatewayEnrolment.EnrolAsync"/> redeems it with a CSR exactly as
/// <c>POST /enroll</c> does (same store rows, same CA, same certificate). Only the process launch per gateway and the
/// HTTP round trip are skipped: at 50,000 gateways one CLI process each would take hours. The keys are ECDSA P-256,
/// made fresh every run (nothing is cached across runs).
/// </summary>
internal static class FleetEnrolment
{
    public static async Task<GatewayIdentity[]> EnrolAsync(string dataDirectory, int count, Action<string> say, CancellationToken ct)
    {
        using var store = new StoreOptions().CreateStore(dataDirectory, TimeProvider.System);
        await store.MigrateAsync(ct).ConfigureAwait(false);
        using var authority = DispatchAuthority.LoadOrCreate(dataDirectory, TimeProvider.System);
        var enrolment = new GatewayEnrolment(store, authority, TimeProvider.System);
        var fleet = new GatewayIdentity[count];
        var done = 0;
        var progress = Stopwatch.StartNew();
        // Key making, CSR and signing run in parallel; the store serialises its writes itself (one SQLite writer).
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, token) =>
        {
            var gatewayId = string.Create(CultureInfo.InvariantCulture, $"fanin-gw-{i:D5}");
            var homeId = string.Create(CultureInfo.InvariantCulture, $"fanin-home-{i:D5}");
            var issued = await enrolment.IssueCodeAsync(gatewayId, homeId, token).ConfigureAwait(false);
            if (!EnrolmentCode.TryParse(issued.Code, out var secret, out _))
            {
                throw new InvalidOperationException($"dispatch issued an enrolment code the gateway cannot read: {issued.Code[..8]}…");
            }

            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest(new X500DistinguishedName("CN=" + gatewayId), key, HashAlgorithmName.SHA256);
            var enrolled = await enrolment.EnrolAsync(secret, request.CreateSigningRequestPem(), token).ConfigureAwait(false);
            using var certificate = X509Certificate2.CreateFromPem(enrolled.CertificatePem);
            fleet[i] = new GatewayIdentity(gatewayId, homeId, certificate.CopyWithPrivateKey(key));
            var n = Interlocked.Increment(ref done);
            if (n % 5000 == 0)
            {
                say(string.Create(CultureInfo.InvariantCulture, $"enrolled {n} of {count} gateways ({n / progress.Elapsed.TotalSeconds:0}/s)"));
            }
        }).ConfigureAwait(false);
        return fleet;
    }
}
