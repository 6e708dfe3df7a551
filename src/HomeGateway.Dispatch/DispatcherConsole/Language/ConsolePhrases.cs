namespace HomeGateway.Dispatch.DispatcherConsole.Language;

/// <summary>Texts every console page shares: the header, the language switch, refusals.</summary>
internal static class CommonPhrases
{
    public static readonly Phrase Product = new("HomeGateway dispatch", "HomeGateway-hälytyskeskus", "HomeGateway larmcentral");
    public static readonly Phrase LogOut = new("Log out", "Kirjaudu ulos", "Logga ut");
    public static readonly Phrase AlertQueue = new("Alert queue", "Hälytysjono", "Larmkö");
    public static readonly Phrase Gateways = new("Gateways", "Yhdyskäytävät", "Gatewayer");
    public static readonly Phrase Fleet = new("Fleet", "Laitekanta", "Enhetsöversikt");
    public static readonly Phrase Account = new("Your account", "Oma tili", "Ditt konto");
    public static readonly Phrase Language = new("Language", "Kieli", "Språk");
    public static readonly Phrase ChangeLanguage = new("Change", "Vaihda", "Byt");
    public static readonly Phrase Never = new("never", "ei koskaan", "aldrig");

    public static readonly Phrase FormNotOurs = new(
        "This form was not sent by this site or has expired. Reload the page and try again.",
        "Lomaketta ei lähetetty tältä sivustolta tai se on vanhentunut. Lataa sivu uudelleen ja yritä uudestaan.",
        "Formuläret skickades inte från den här webbplatsen eller har gått ut. Ladda om sidan och försök igen.");
}

internal static class LoginPhrases
{
    public static readonly Phrase Title = new("log in", "kirjautuminen", "inloggning");
    public static readonly Phrase Name = new("Name", "Käyttäjätunnus", "Användarnamn");
    public static readonly Phrase Password = new("Password", "Salasana", "Lösenord");
    public static readonly Phrase LogIn = new("Log in", "Kirjaudu sisään", "Logga in");
    public static readonly Phrase WrongNameOrPassword = new("Wrong name or password.", "Väärä käyttäjätunnus tai salasana.", "Fel användarnamn eller lösenord.");

    public static readonly Phrase LockedOut = new(
        "Too many failed attempts. Wait a few minutes and try again.",
        "Liian monta epäonnistunutta yritystä. Odota muutama minuutti ja yritä uudelleen.",
        "För många misslyckade försök. Vänta några minuter och försök igen.");
}

/// <summary>The live queue page and its script (<c>console.js</c> receives its texts as JSON in the page).</summary>
internal static class QueuePhrases
{
    public static readonly Phrase Loading = new("Loading…", "Ladataan…", "Laddar…");
    public static readonly Phrase Priority = new("Priority", "Kiireellisyys", "Prioritet");
    public static readonly Phrase Type = new("Type", "Tyyppi", "Typ");
    public static readonly Phrase Home = new("Home", "Koti", "Hem");
    public static readonly Phrase Sensor = new("Sensor", "Anturi", "Sensor");
    public static readonly Phrase Summary = new("Summary", "Kuvaus", "Beskrivning");
    public static readonly Phrase Count = new("Count", "Määrä", "Antal");
    public static readonly Phrase RaisedAt = new("Raised at", "Hälytetty", "Larmat");
    public static readonly Phrase Received = new("Received", "Vastaanotettu", "Mottaget");
    public static readonly Phrase Status = new("Status", "Tila", "Status");
    public static readonly Phrase Acknowledged = new("Acknowledged", "Kuitattu", "Kvitterat");
    public static readonly Phrase Acknowledge = new("Acknowledge", "Kuittaa", "Kvittera");
    public static readonly Phrase Live = new("{0} open, {1} cleared. Live.", "{0} avoinna, {1} päättynyt. Päivittyy reaaliajassa.", "{0} öppna, {1} avslutade. Uppdateras direkt.");
    public static readonly Phrase LoadFailed = new("Could not load the queue ({0}).", "Jonon lataaminen epäonnistui ({0}).", "Kunde inte läsa in kön ({0}).");
    public static readonly Phrase Reconnecting = new("Connection lost; reconnecting…", "Yhteys katkesi; yhdistetään uudelleen…", "Anslutningen bröts; ansluter igen…");
    public static readonly Phrase Escalated = new("ESCALATED", "ESKALOITU", "ESKALERAT");
    public static readonly Phrase AssignedTo = new("assigned to {0}", "vastuuhenkilö {0}", "tilldelat {0}");
    public static readonly Phrase Open = new("open", "avoin", "öppet");
    public static readonly Phrase Cleared = new("cleared", "päättynyt", "avslutat");
    public static readonly Phrase Critical = new("critical", "kriittinen", "kritisk");
    public static readonly Phrase High = new("high", "korkea", "hög");
    public static readonly Phrase Normal = new("normal", "tavallinen", "normal");
    public static readonly Phrase Low = new("low", "matala", "låg");

    public static readonly Phrase MayNotAcknowledge = new(
        "Your role does not acknowledge alerts (dispatchers and admins do).",
        "Roolisi ei kuittaa hälytyksiä (päivystäjät ja ylläpitäjät kuittaavat).",
        "Din roll kvitterar inte larm (larmoperatörer och administratörer gör det).");

    public static readonly Phrase MustNameAlert = new(
        "The form must name the gateway and the alert.",
        "Lomakkeessa on oltava yhdyskäytävä ja hälytys.",
        "Formuläret måste ange gatewayn och larmet.");

    public static readonly Phrase NoSuchAlert = new(
        "No alert '{0}' from gateway '{1}'.",
        "Yhdyskäytävältä '{1}' ei ole hälytystä '{0}'.",
        "Inget larm '{0}' från gatewayn '{1}'.");
}

/// <summary>Alert types as the queue shows them (keys: the JSON API's type names).</summary>
internal static class AlertTypePhrases
{
    public static readonly Phrase Fall = new("fall", "kaatuminen", "fall");
    public static readonly Phrase Help = new("help button", "turvapainike", "trygghetsknapp");
    public static readonly Phrase DoorLeftOpen = new("door left open", "ovi jäänyt auki", "dörren lämnad öppen");
    public static readonly Phrase NightExit = new("night exit", "yöllinen poistuminen", "utgång nattetid");
    public static readonly Phrase Inactivity = new("inactivity", "ei liikettä", "ingen aktivitet");
    public static readonly Phrase BedNotReturned = new("not back in bed", "ei palannut sänkyyn", "inte tillbaka i sängen");
    public static readonly Phrase MissedDose = new("missed dose", "lääkeannos ottamatta", "missad läkemedelsdos");
    public static readonly Phrase Smoke = new("smoke", "savu", "rök");
    public static readonly Phrase WaterLeak = new("water leak", "vesivuoto", "vattenläcka");
    public static readonly Phrase Temperature = new("temperature", "lämpötila", "temperatur");
    public static readonly Phrase SensorOffline = new("sensor offline", "anturi ei yhteydessä", "sensor utan förbindelse");
    public static readonly Phrase BatteryLow = new("low battery", "paristo vähissä", "låg batterinivå");
    public static readonly Phrase Tamper = new("tamper", "peukalointi", "sabotage");
    public static readonly Phrase GatewayHealth = new("gateway health", "yhdyskäytävän tila", "gatewayns status");
    public static readonly Phrase DailyTest = new("daily test", "päivittäinen testihälytys", "dagligt testlarm");
    public static readonly Phrase Gas = new("gas", "kaasu", "gas");
    public static readonly Phrase CarbonMonoxide = new("carbon monoxide", "häkä", "kolmonoxid");
    public static readonly Phrase PowerFailure = new("power failure", "sähkökatko", "strömavbrott");
    public static readonly Phrase Unknown = new("unknown", "tuntematon", "okänd");

    /// <summary>By the type name the JSON API uses.</summary>
    public static readonly IReadOnlyDictionary<string, Phrase> ByName = new Dictionary<string, Phrase>(StringComparer.Ordinal)
    {
        ["fall"] = Fall,
        ["help"] = Help,
        ["door_left_open"] = DoorLeftOpen,
        ["night_exit"] = NightExit,
        ["inactivity"] = Inactivity,
        ["bed_not_returned"] = BedNotReturned,
        ["missed_dose"] = MissedDose,
        ["smoke"] = Smoke,
        ["water_leak"] = WaterLeak,
        ["temperature"] = Temperature,
        ["sensor_offline"] = SensorOffline,
        ["battery_low"] = BatteryLow,
        ["tamper"] = Tamper,
        ["gateway_health"] = GatewayHealth,
        ["daily_test"] = DailyTest,
        ["gas"] = Gas,
        ["carbon_monoxide"] = CarbonMonoxide,
        ["power_failure"] = PowerFailure,
        ["unknown"] = Unknown,
    };
}
