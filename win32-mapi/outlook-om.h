/* sealgate Outlook add-in: the few parts of Office's and Outlook's object
 * model that the add-in uses, declared here because mingw-w64 ships no Office
 * headers. Values checked against Outlook's type library (see
 * docs/admin/outlook.md, "Object model facts"). */
#ifndef SG_OUTLOOK_OM_H
#define SG_OUTLOOK_OM_H

#include <windows.h>

/* IDTExtensibility2 (AddInDesignerObjects), a dual interface. */
DEFINE_GUID(SG_IID_IDTExtensibility2, 0xB65AD801, 0xABAF, 0x11D0, 0xBB, 0x8B, 0x00, 0xA0, 0xC9, 0x0F, 0x27, 0x44);
/* Office IRibbonExtensibility. */
DEFINE_GUID(SG_IID_IRibbonExtensibility, 0x000C0396, 0x0000, 0x0000, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46);
/* Outlook ApplicationEvents_11 (dispinterface). */
DEFINE_GUID(SG_DIID_ApplicationEvents_11, 0x0006302C, 0x0000, 0x0000, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46);

/* Outlook ExplorerEvents_10 and ItemEvents_10 (dispinterfaces). */
DEFINE_GUID(SG_DIID_ExplorerEvents_10, 0x0006300F, 0x0000, 0x0000, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46);
DEFINE_GUID(SG_DIID_ItemEvents_10, 0x0006302B, 0x0000, 0x0000, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46);
#define SG_DISPID_INLINE_RESPONSE       0xFC92 /* ExplorerEvents_10.InlineResponse(Item) */
#define SG_DISPID_INLINE_RESPONSE_CLOSE 0xFC96 /* ExplorerEvents_10.InlineResponseClose() */
#define SG_DISPID_ITEM_CLOSE            0xF004 /* ItemEvents_10.Close(Cancel) */
#define SG_DISPID_ITEM_PROPERTY_CHANGE  0xF009 /* ItemEvents_10.PropertyChange(Name) */
#define SG_DISPID_ITEM_UNLOAD           0xFBAD /* ItemEvents_10.Unload() */

/* ApplicationEvents_11 DISPIDs (61442.. in the type library). */
#define SG_DISPID_ITEM_SEND 0xF002 /* ItemSend(Item, Cancel) */

/* OlObjectClass: MailItem.Class. */
#define SG_OL_MAIL                  43
/* Meeting requests, responses and cancellations (53-57) and task requests
 * (49-52) carry recipients and attachments like mail. */
#define SG_OL_TASK_REQUEST_FIRST    49
#define SG_OL_TASK_REQUEST_LAST     52
#define SG_OL_MEETING_REQUEST_FIRST 53
#define SG_OL_MEETING_REQUEST_LAST  57

/* OlMailRecipientType: Recipient.Type. */
#define SG_OL_TO  1
#define SG_OL_CC  2
#define SG_OL_BCC 3

/* OlAddressEntryUserType: AddressEntry.AddressEntryUserType. */
#define SG_OL_EXCHANGE_USER          0
#define SG_OL_EXCHANGE_DL            1
#define SG_OL_EXCHANGE_PUBLIC_FOLDER 2
#define SG_OL_EXCHANGE_AGENT         3 /* a dynamic distribution group */
#define SG_OL_EXCHANGE_ORGANIZATION  4
#define SG_OL_EXCHANGE_REMOTE_USER   5 /* a mail user or mail contact */
#define SG_OL_OUTLOOK_CONTACT        10
#define SG_OL_OUTLOOK_DL             11
#define SG_OL_SMTP_ADDRESS_ENTRY     30

/* MsoAppLanguageID: LanguageSettings.LanguageID(msoLanguageIDUI). */
#define SG_MSO_LANGUAGE_ID_UI 2

/* PropertyAccessor names. PS_INTERNET_HEADERS is the named-property set that
 * becomes internet headers of the outgoing message. */
#define SG_PS_INTERNET_HEADERS_PREFIX                                                                                  \
        L"http://schemas.microsoft.com/mapi/string/{00020386-0000-0000-C000-000000000046}/"
#define SG_PR_SECURITY_FLAGS            L"http://schemas.microsoft.com/mapi/proptag/0x6E010003"
#define SG_PR_SMTP_ADDRESS              L"http://schemas.microsoft.com/mapi/proptag/0x39FE001F"
/* Where a mail user or contact really receives mail ("SMTP:addr"). */
#define SG_PR_EMS_AB_TARGET_ADDRESS     L"http://schemas.microsoft.com/mapi/proptag/0x8011001F"
/* Certificates: the GAL's userSMIMECertificate and userCertificate (both
 * multi-valued binary), and a contact's certificates. */
#define SG_PR_EMS_AB_X509_CERT          L"http://schemas.microsoft.com/mapi/proptag/0x8C6A1102"
#define SG_PR_USER_X509_CERTIFICATE     L"http://schemas.microsoft.com/mapi/proptag/0x3A701102"
/* The internet headers of a received message (replies and forwards keep them). */
#define SG_PR_TRANSPORT_MESSAGE_HEADERS L"http://schemas.microsoft.com/mapi/proptag/0x007D001F"
/* The add-in's own named properties (a private GUID namespace): what it set
 * on the item in an earlier attempt, and the ribbon toggle chosen on it. */
#define SG_PS_SEALGATE_PREFIX           L"http://schemas.microsoft.com/mapi/string/{8A3C2F51-6E0B-4C7D-9B1E-2D5F40A7C913}/"
#define SG_PROP_APPLIED                 SG_PS_SEALGATE_PREFIX L"sgApplied"
#define SG_PROP_TOGGLE                  SG_PS_SEALGATE_PREFIX L"sgToggle"
#define SG_SECURITY_ENCRYPT             1 /* PR_SECURITY_FLAGS bits */
#define SG_SECURITY_SIGN                2

/* The add-in's class and ProgID. The test build (SG_TEST_HOOKS, prompts
 * answered through environment variables) has its own, so registering it
 * can never take the place of the shipped add-in. */
#ifndef SG_TEST_HOOKS
DEFINE_GUID(SG_CLSID_ADDIN, 0x46241d38, 0xb020, 0x4fc9, 0x85, 0x02, 0xdd, 0x84, 0xf4, 0xab, 0x64, 0xcc);
#define SG_CLSID_ADDIN_STR L"{46241D38-B020-4FC9-8502-DD84F4AB64CC}"
#define SG_PROGID          L"sealgate.OutlookAddin"
#else
DEFINE_GUID(SG_CLSID_ADDIN, 0x9e56c05c, 0xadf8, 0x44f4, 0xac, 0x0e, 0x3e, 0x35, 0x81, 0xe0, 0x41, 0x89);
#define SG_CLSID_ADDIN_STR L"{9E56C05C-ADF8-44F4-AC0E-3E3581E04189}"
#define SG_PROGID          L"sealgate.OutlookAddinTest"
#endif

#endif
