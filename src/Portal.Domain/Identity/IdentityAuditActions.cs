namespace Portal.Domain.Identity;

/// <summary>
/// The actions of the audit trail about people signing in and what they may do. The values are stored, so they never
/// change.
/// </summary>
public static class IdentityAuditActions
{
    public const string SignedIn = "user.signed-in";
    public const string SignInFailed = "user.sign-in-failed";
    public const string LockedOut = "user.locked-out";
    public const string SignedOut = "user.signed-out";
    public const string PasswordChanged = "user.password-changed";
    public const string AccessDenied = "access.denied";
}
