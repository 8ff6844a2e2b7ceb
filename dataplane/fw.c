/* stub: to be written */
extern int sl_stub_fw;
