//! [`Sessions::accounts`] and [`Sessions::account_roles`]: what the session can reach, every
//! page of the portal's `ListAccounts` and `ListAccountRoles` with the session's token
//! (refreshed when due).

use ssooidc_core::portal::{AccountInfo, ListAccountRoles, ListAccounts, RoleInfo};

use super::{Listed, SessionError, SessionSelector, Sessions};

impl Sessions {
    /// The accounts the selected session's user is assigned, all pages.
    pub fn accounts(&self, selector: SessionSelector) -> Result<Listed<AccountInfo>, SessionError> {
        let session = self.session(selector)?;
        let token = self.token_for(&session)?;
        let items = self
            .portal_client(&session.region)?
            .list_accounts(&ListAccounts::new(token.token.access_token))
            .map_err(|e| SessionError::portal(&session, e))?;
        Ok(Listed {
            items,
            warnings: token.warnings,
        })
    }

    /// The roles the selected session's user may take in `account_id`, all pages.
    pub fn account_roles(
        &self,
        selector: SessionSelector,
        account_id: &str,
    ) -> Result<Listed<RoleInfo>, SessionError> {
        let session = self.session(selector)?;
        let token = self.token_for(&session)?;
        let items = self
            .portal_client(&session.region)?
            .list_account_roles(&ListAccountRoles::new(token.token.access_token, account_id))
            .map_err(|e| SessionError::portal(&session, e))?;
        Ok(Listed {
            items,
            warnings: token.warnings,
        })
    }
}
