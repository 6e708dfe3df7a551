using System.Globalization;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace HomeGateway.Dispatch.DispatcherConsole.Pages;

/// <summary>
/// A home's form as typed (register or edit): the contracted time and the client record, and the problem per field (by
/// the field's name; a key holder's or contact's field as <c>keyHolders-2-phone</c>, counting rows from 0).
/// </summary>
/// <param name="KeySafe">The access instructions (key safe and code, door code, dog, stairs).</param>
public sealed record HomeForm(string HomeId, string ResponseMinutes, string KeySafe, string Notes)
{
    public const int MaxHomeIdLength = 64;
    public const int MaxKeySafeLength = ClientRecordRules.MaxAccessInstructionsLength;
    public const int MaxNotesLength = ClientRecordRules.MaxNotesLength;
    public const int MaxAddressLength = ClientRecordRules.MaxAddressLength;

    /// <summary>The form's two lists of people: the field-name stem, and the prefix of their errors' keys.</summary>
    public const string KeyHoldersField = "keyHolders";
    public const string ContactsField = "contacts";

    public string Address { get; init; } = "";

    /// <summary>The key holders as typed (rows left wholly blank dropped).</summary>
    public IReadOnlyList<HomePerson> KeyHolders { get; init; } = [];

    /// <summary>The contacts as typed (rows left wholly blank dropped).</summary>
    public IReadOnlyList<HomePerson> ContactPeople { get; init; } = [];

    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    public static HomeForm Empty { get; } = new("", HomeDetails.DefaultResponseMinutes.ToString(CultureInfo.InvariantCulture), "", "");

    public static HomeForm Of(HomeRecord home) =>
        new(home.HomeId, home.ResponseMinutes.ToString(CultureInfo.InvariantCulture), home.KeySafe, home.Notes)
        {
            Address = home.Address,
            KeyHolders = home.KeyHolders,
            ContactPeople = home.ContactPeople,
        };

    public static HomeForm Of(IFormCollection form, string? homeId = null) =>
        new(homeId ?? form["homeId"].ToString().Trim(), form["responseMinutes"].ToString().Trim(),
            Text(form["keySafe"]), Text(form["notes"]))
        {
            Address = Text(form["address"]),
            KeyHolders = People(form, KeyHoldersField),
            ContactPeople = People(form, ContactsField),
        };

    /// <summary>
    /// The home, or null with <see cref="Errors"/> filled in (in <paramref name="language"/>). With
    /// <paramref name="kept"/> (a technician's form: address and access instructions only) the key holders, contacts and
    /// notes are the stored ones, whatever was posted.
    /// </summary>
    public HomeDetails? Validate(ConsoleLanguage language, HomeRecord? kept = null)
    {
        if (HomeId.Length == 0 || HomeId.Length > MaxHomeIdLength || HomeId.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c == '/'))
        {
            Errors["homeId"] = ConsoleWords.Format<HomesPage>("HomeIdProblem", language, MaxHomeIdLength);
        }

        if (!int.TryParse(ResponseMinutes, NumberStyles.None, CultureInfo.InvariantCulture, out var minutes)
            || minutes is < HomeDetails.MinResponseMinutes or > HomeDetails.MaxResponseMinutes)
        {
            Errors["responseMinutes"] = ConsoleWords.Format<HomesPage>("ResponseProblem", language, HomeDetails.MinResponseMinutes, HomeDetails.MaxResponseMinutes);
        }

        Limit("address", Address, MaxAddressLength, language);
        Limit("keySafe", KeySafe, MaxKeySafeLength, language);
        if (kept is null)
        {
            Limit("notes", Notes, MaxNotesLength, language);
            CheckPeople(KeyHoldersField, KeyHolders, language);
            CheckPeople(ContactsField, ContactPeople, language);
        }

        if (Errors.Count > 0)
        {
            return null;
        }

        return kept is null
            ? new HomeDetails(HomeId, minutes, KeySafe, "", Notes) { Address = Address, KeyHolders = KeyHolders, ContactPeople = ContactPeople }
            : new HomeDetails(HomeId, minutes, KeySafe, "", kept.Notes) { Address = Address, KeyHolders = kept.KeyHolders, ContactPeople = kept.ContactPeople };
    }

    /// <summary>The id of a person's field and the key of its error: <c>keyHolders-0-name</c>.</summary>
    public static string PersonField(string list, int row, string part) =>
        string.Create(CultureInfo.InvariantCulture, $"{list}-{row}-{part}");

    private void CheckPeople(string list, IReadOnlyList<HomePerson> people, ConsoleLanguage language)
    {
        if (people.Count > ClientRecordRules.MaxPeople)
        {
            Errors[list] = ConsoleWords.Format<HomesPage>("TooManyPeople", language, ClientRecordRules.MaxPeople, people.Count);
        }

        for (var row = 0; row < people.Count; row++)
        {
            var person = people[row];
            if (person.Name.Length == 0)
            {
                Errors[PersonField(list, row, "name")] = ConsoleWords.Of<HomesPage>("NameMissing", language);
            }
            else
            {
                Limit(PersonField(list, row, "name"), person.Name, ClientRecordRules.MaxNameLength, language);
            }

            if (person.Phone.Length > 0 && !ClientRecordRules.IsPhone(person.Phone))
            {
                Errors[PersonField(list, row, "phone")] = ConsoleWords.Format<HomesPage>("PhoneProblem", language, ClientRecordRules.MaxPhoneLength);
            }

            Limit(PersonField(list, row, "relation"), person.Relation, ClientRecordRules.MaxRelationLength, language);
        }
    }

    private void Limit(string field, string value, int max, ConsoleLanguage language)
    {
        if (value.Length > max)
        {
            Errors[field] = ConsoleWords.Format<HomesPage>("TooLong", language, max, value.Length);
        }
    }

    /// <summary>A multi-line field as typed, its line ends made one kind (a browser posts CR LF) and its ends trimmed.</summary>
    private static string Text(StringValues value) => value.ToString().Replace("\r\n", "\n", StringComparison.Ordinal).Trim();

    /// <summary>The rows of one list (fields <c>keyHoldersName</c>, <c>keyHoldersPhone</c>, <c>keyHoldersRelation</c>, in order), blank rows dropped.</summary>
    private static List<HomePerson> People(IFormCollection form, string list)
    {
        var names = form[list + "Name"];
        var phones = form[list + "Phone"];
        var relations = form[list + "Relation"];
        var rows = Math.Max(names.Count, Math.Max(phones.Count, relations.Count));
        var people = new List<HomePerson>();
        for (var i = 0; i < rows; i++)
        {
            var person = new HomePerson(At(names, i), At(phones, i), At(relations, i));
            if (person.Name.Length > 0 || person.Phone.Length > 0 || person.Relation.Length > 0)
            {
                people.Add(person);
            }
        }

        return people;
    }

    private static string At(StringValues values, int i) => i < values.Count ? (values[i] ?? "").Trim() : "";
}
