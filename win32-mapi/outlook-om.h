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

/* ApplicationEvents_11 DISPIDs (61442.. in the type library). */
#define SG_DISPID_ITEM_SEND 0xF002 /* ItemSend(Item, Cancel) */

/* OlObjectClass: MailItem.Class. */
#define SG_OL_MAIL 43

/* OlMailRecipientType: Recipient.Type. */
#define SG_OL_TO  1
#define SG_OL_CC  2
#define SG_OL_BCC 3

/* OlAddressEntryUserType: AddressEntry.AddressEntryUserType. */
#define SG_OL_EXCHANGE_USER        0
#define SG_OL_EXCHANGE_DL          1
#define SG_OL_EXCHANGE_REMOTE_USER 5
#define SG_OL_OUTLOOK_CONTACT      10
#define SG_OL_OUTLOOK_DL           11
#define SG_OL_SMTP_ADDRESS_ENTRY   30

/* MsoAppLanguageID: LanguageSettings.LanguageID(msoLanguageIDUI). */
#define SG_MSO_LANGUAGE_ID_UI 2

/* PropertyAccessor names. PS_INTERNET_HEADERS is the named-property set that
 * becomes internet headers of the outgoing message. */
#define SG_PS_INTERNET_HEADERS_PREFIX                                                                                  \
        L"http://schemas.microsoft.com/mapi/string/{00020386-0000-0000-C000-000000000046}/"
#define SG_PR_SECURITY_FLAGS L"http://schemas.microsoft.com/mapi/proptag/0x6E010003"
#define SG_PR_SMTP_ADDRESS   L"http://schemas.microsoft.com/mapi/proptag/0x39FE001F"
#define SG_SECURITY_ENCRYPT  1 /* PR_SECURITY_FLAGS bits */
#define SG_SECURITY_SIGN     2

/* The add-in's class and ProgID. */
DEFINE_GUID(SG_CLSID_ADDIN, 0x46241d38, 0xb020, 0x4fc9, 0x85, 0x02, 0xdd, 0x84, 0xf4, 0xab, 0x64, 0xcc);
#define SG_CLSID_ADDIN_STR L"{46241D38-B020-4FC9-8502-DD84F4AB64CC}"
#define SG_PROGID          L"sealgate.OutlookAddin"

#endif
